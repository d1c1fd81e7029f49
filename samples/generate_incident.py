#!/usr/bin/env python3
"""Regenerates samples/incident-pod-latency: one pod of the checkout service goes slow.

Four pods report p99 request latency once a minute for six hours; pod checkout-7c9d8-qx2vw's
latency jumps about eightfold for 15 minutes at 04:55. A service-level payment rate series
with no incident rides along. Deterministic (fixed seed), so the demo prints the same every time.
"""
import math, os, random
from datetime import datetime, timedelta, timezone

random.seed(20261128)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "incident-pod-latency")
os.makedirs(out, exist_ok=True)
start = datetime(2026, 11, 2, 0, 0, tzinfo=timezone.utc)
minutes = 360
pods = [("checkout-7c9d8-4hkzp", "node-a"), ("checkout-7c9d8-qx2vw", "node-b"),
        ("checkout-7c9d8-m8r5t", "node-c"), ("checkout-7c9d8-zj6dn", "node-a")]
bad = "checkout-7c9d8-qx2vw"

def write(name, attrs, values):
    with open(os.path.join(out, name + ".csv"), "w") as f:
        for k, v in attrs.items():
            f.write(f"# {k}={v}\n")
        f.write("timestamp,value\n")
        for i, v in enumerate(values):
            f.write(f"{(start + timedelta(minutes=i)):%Y-%m-%d %H:%M:%S},{v:.2f}\n")

for pod, node in pods:
    vals = []
    for i in range(minutes):
        base = 118 + 12 * math.sin(2 * math.pi * i / 180)  # slow traffic wave
        v = base + random.gauss(0, 6)
        if pod == bad and 295 <= i < 310:
            v = base * 8 + random.gauss(0, 40)
        vals.append(max(v, 1))
    write(pod, {"metric": "http.server.request.duration.p99", "service.name": "checkout",
                "service.version": "1.42.0", "k8s.namespace.name": "payments",
                "k8s.deployment.name": "checkout", "k8s.pod.name": pod, "k8s.node.name": node}, vals)

rate = [420 + 60 * math.sin(2 * math.pi * i / 180) + random.gauss(0, 12) for i in range(minutes)]
write("payments.authorised.rate", {"metric": "payments.authorised.rate", "service.name": "payments-api",
                                    "k8s.namespace.name": "payments"}, rate)
