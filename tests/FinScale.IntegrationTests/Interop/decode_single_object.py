#!/usr/bin/env python3
"""An independent Avro reader: decodes single-object-encoded records using only a schema file.

Usage: decode_single_object.py SCHEMA.avsc < hex-lines
Each input line is one record in hex. For each, checks the C3 01 marker and that the fingerprint equals
CRC-64-AVRO of the schema's parsing canonical form (computed here from the Avro spec), decodes the body
with the Avro library and prints it as one JSON line. Exits non-zero on the first mismatch.
"""
import io, json, sys
import avro.io, avro.schema

EMPTY = 0xc15d213aa4d7a795
TABLE = []
for i in range(256):
    fp = i
    for _ in range(8):
        fp = (fp >> 1) ^ (EMPTY & -(fp & 1))
    TABLE.append(fp & 0xFFFFFFFFFFFFFFFF)

def crc64_avro(data: bytes) -> int:
    fp = EMPTY
    for b in data:
        fp = (fp >> 8) ^ TABLE[(fp ^ b) & 0xff]
    return fp

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}

def primitives_simple(node):
    # The spec's [PRIMITIVES] rule: {"type":"long"} becomes "long". python3-avro 1.11.1 keeps the object
    # form for a logical type once it drops logicalType (Java and C# follow the rule), so apply it here.
    if isinstance(node, dict):
        if set(node) == {"type"} and node["type"] in PRIMITIVES:
            return node["type"]
        return {k: primitives_simple(v) for k, v in node.items()}
    if isinstance(node, list):
        return [primitives_simple(v) for v in node]
    return node

schema = avro.schema.parse(open(sys.argv[1]).read())
canonical = json.dumps(primitives_simple(json.loads(schema.canonical_form)), separators=(",", ":"))
expected = crc64_avro(canonical.encode("utf-8"))
reader = avro.io.DatumReader(schema)
for line in sys.stdin:
    raw = bytes.fromhex(line.strip())
    if raw[:2] != b"\xc3\x01":
        sys.exit(f"not single-object encoded: starts {raw[:2].hex()}")
    fingerprint = int.from_bytes(raw[2:10], "little")
    if fingerprint != expected:
        sys.exit(f"fingerprint {fingerprint:016x} != CRC-64-AVRO of the schema file {expected:016x}")
    body = io.BytesIO(raw[10:])
    record = reader.read(avro.io.BinaryDecoder(body))
    if body.tell() != len(raw) - 10:
        sys.exit("trailing bytes after the record")
    print(json.dumps(record, default=str, sort_keys=True))
