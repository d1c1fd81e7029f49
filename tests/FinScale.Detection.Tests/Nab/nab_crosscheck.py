#!/usr/bin/env python3
"""Cross-check of FinScale's C# NAB scorer against NAB's own scoring rules, re-implemented here in plain Python.

It follows numenta/NAB v1.1 (nab/sweeper.py calcSweepScore and calcScoreByThreshold, nab/scorer.py scoreDataSet,
nab/optimizer.py optimizeThreshold, nab/runner.py normalize) step by step, with the standard library only (NAB itself
needs pandas). It reads a results folder as `finscale nab --out DIR` writes it (the layout NAB reads under
results/<detector>/), scores it, and compares with the thresholds.json finscale wrote there.

    # choose thresholds the way NAB's optimizer does and compare with finscale's choice and raw scores
    python3 nab_crosscheck.py --data /work/shared/benchmarks/nab --results /tmp/nab-out --detector robust-zscore
    # score at the thresholds of a thresholds.json (finscale nab --thresholds FILE), as NAB's scorer does per file
    python3 nab_crosscheck.py --data ... --results ... --detector ... --at FILE

Exit code 0 when the thresholds are equal and the raw scores agree to 1e-9 (relative: the sums run in another order), 1 otherwise. Not run by the C# tests.
"""
import argparse
import csv
import json
import math
import os
import sys
from datetime import datetime

PROFILES = {
    "standard": {"tpWeight": 1.0, "fpWeight": 0.11, "fnWeight": 1.0},
    "reward_low_FP_rate": {"tpWeight": 1.0, "fpWeight": 0.22, "fnWeight": 1.0},
    "reward_low_FN_rate": {"tpWeight": 1.0, "fpWeight": 0.11, "fnWeight": 2.0},
}
PROBATION_PERCENT = 0.15


def scaled_sigmoid(x):
    # NAB: -1 beyond 3 window widths, else 2*sigmoid(-5x) - 1.
    if x > 3.0:
        return -1.0
    return 2 * (1 / (1 + math.exp(5 * x))) - 1.0


def probation_length(n):
    return min(math.floor(PROBATION_PERCENT * n), PROBATION_PERCENT * 5000)


def sweep_rows(timestamps, scores, windows, name, cost):
    """One (score, weighted sweep score, window name or None or 'probationary') per row, as calcSweepScore."""
    pending = list(windows)
    max_tp = scaled_sigmoid(-1.0)
    prob = probation_length(len(timestamps))
    rows = []
    cur = None
    cur_name = cur_right = cur_width = None
    prev_right = prev_width = None
    for i, (t, s) in enumerate(zip(timestamps, scores)):
        if pending and t == pending[0][0]:
            cur = pending.pop(0)
            cur_name = "%s|%s" % (name, cur[0])
            cur_right = timestamps.index(cur[1])
            cur_width = float(cur_right - timestamps.index(cur[0]) + 1)
        if cur is not None:
            weighted = scaled_sigmoid(-(cur_right - i + 1) / cur_width) * cost["tpWeight"] / max_tp
        else:
            if prev_right is None:
                unweighted = -1.0
            else:
                unweighted = scaled_sigmoid(abs(prev_right - i) / float(prev_width - 1))
            weighted = unweighted * cost["fpWeight"]
        rows.append((s, weighted, cur_name if i >= prob else "probationary"))
        if cur is not None and t == cur[1]:
            prev_right, prev_width = i, cur_width
            cur = cur_name = cur_right = cur_width = None
    return rows


def by_threshold(rows, cost):
    """[(threshold, score, tp, tn, fp, fn)] from 1.1 down through every distinct score, as calcScoreByThreshold."""
    scorable = sorted([r for r in rows if r[2] != "probationary"], key=lambda r: r[0], reverse=True)
    parts = {"fp": 0}
    for r in scorable:
        if r[2] is not None:
            parts[r[2]] = -cost["fnWeight"]
    tn = sum(1 for r in scorable if r[2] is None)
    fn = len(scorable) - tn
    tp = fp = 0
    out = []
    threshold = 1.1
    for s, weighted, window in scorable:
        if s != threshold:
            out.append((threshold, sum(parts.values()), tp, tn, fp, fn))
            threshold = s
        if window is None:
            fp += 1
            tn -= 1
            parts["fp"] += weighted
        else:
            tp += 1
            fn -= 1
            parts[window] = max(parts[window], weighted)
    out.append((threshold, sum(parts.values()), tp, tn, fp, fn))
    return out


def load(data_dir, results_dir, detector):
    if os.path.isdir(os.path.join(data_dir, "data")):
        labels = os.path.join(data_dir, "labels", "combined_windows.json")
        data_dir = os.path.join(data_dir, "data")
    else:
        labels = os.path.join(os.path.dirname(os.path.abspath(data_dir)), "labels", "combined_windows.json")
    with open(labels) as f:
        windows = json.load(f)
    files = []
    for rel in sorted(windows):
        category, name = os.path.split(rel)
        result = os.path.join(results_dir, category, detector + "_" + name)
        if not os.path.exists(os.path.join(data_dir, rel)):
            continue
        with open(os.path.join(data_dir, rel)) as f:
            timestamps = [datetime.fromisoformat(r["timestamp"]) for r in csv.DictReader(f)]
        with open(result) as f:
            scores = [float(r["anomaly_score"]) for r in csv.DictReader(f)]
        assert len(scores) == len(timestamps), rel
        wins = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in windows[rel]]
        files.append((rel, timestamps, scores, wins))
    return files


def normalized(raw, cost, window_count):
    perfect = window_count * cost["tpWeight"]
    null = -window_count * cost["fnWeight"]
    return 100 * (raw - null) / (perfect - null)


def optimize(files, cost):
    rows = []
    for rel, ts, scores, wins in files:
        rows.extend(sweep_rows(ts, scores, wins, rel, cost))
    best = sorted(by_threshold(rows, cost), key=lambda r: r[1], reverse=True)[0]
    return best


def score_at(files, cost, threshold):
    totals = [0.0, 0, 0, 0, 0]
    for rel, ts, scores, wins in files:
        table = by_threshold(sweep_rows(ts, scores, wins, rel, cost), cost)
        match, prev = None, None
        for row in table:
            if row[0] == threshold:
                match = row
                break
            if row[0] < threshold:
                match = prev
                break
            prev = row
        if match is None:
            match = table[-1]  # every row at or above the threshold; NAB's scoreDataSet fails here
        for k in range(5):
            totals[k] += match[k + 1]
    return (threshold, *totals)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--results", required=True)
    p.add_argument("--detector", required=True)
    p.add_argument("--at", help="score at the thresholds in this thresholds.json instead of optimising")
    a = p.parse_args()

    files = load(a.data, a.results, a.detector)
    window_count = sum(len(f[3]) for f in files)
    with open(os.path.join(a.results, "thresholds.json")) as f:
        finscale = json.load(f)[a.detector]
    given = None
    if a.at:
        with open(a.at) as f:
            given = json.load(f)[a.detector]

    ok = True
    print("%d files, %d windows" % (len(files), window_count))
    for profile, cost in PROFILES.items():
        if given is None:
            t, raw, tp, tn, fp, fn = optimize(files, cost)
        else:
            t, raw, tp, tn, fp, fn = score_at(files, cost, given[profile]["threshold"])
        theirs = finscale[profile]
        same = theirs["threshold"] == t and abs(theirs["score"] - raw) <= 1e-9 * max(1.0, abs(raw))
        ok &= same
        print("%-20s python threshold=%r raw=%.12f norm=%.6f tp=%d tn=%d fp=%d fn=%d | finscale threshold=%r raw=%.12f %s" % (
            profile, t, raw, normalized(raw, cost, window_count), tp, tn, fp, fn,
            theirs["threshold"], theirs["score"], "OK" if same else "MISMATCH"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
