#!/usr/bin/python3
"""Decode a TensorBoard event file independently of mlci: check every
record's framing (length, masked CRC-32C of the length and of the payload,
computed with crcmod's CRC-32C) and parse each Event protocol buffer.

usage: tfevents_read.py FILE
Prints JSON: {"records": N, "file_version": ..., "wall_times": [...],
"series": {tag: [[step, value], ...]}}; exits 1 naming the first bad
record."""
import json, struct, sys
import crcmod.predefined

crc32c = crcmod.predefined.mkCrcFun("crc-32c")


def mask(c):
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def fields(b):
    """(field number, wire type, value) of a protocol buffer message."""
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        elif wt == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        elif wt == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wt)
        yield num, wt, v


def main(path):
    data = open(path, "rb").read()
    out = {"records": 0, "file_version": None, "wall_times": [], "series": {}}
    i = 0
    while i < len(data):
        if i + 12 > len(data):
            sys.exit("record %d: truncated header" % out["records"])
        hdr = data[i:i + 8]
        (n,) = struct.unpack("<Q", hdr)
        (hc,) = struct.unpack("<I", data[i + 8:i + 12])
        if hc != mask(crc32c(hdr)):
            sys.exit("record %d: length CRC mismatch" % out["records"])
        payload = data[i + 12:i + 12 + n]
        if len(payload) != n or i + 16 + n > len(data):
            sys.exit("record %d: truncated payload" % out["records"])
        (pc,) = struct.unpack("<I", data[i + 12 + n:i + 16 + n])
        if pc != mask(crc32c(payload)):
            sys.exit("record %d: payload CRC mismatch" % out["records"])
        i += 16 + n
        step, wall = 0, None
        for num, wt, v in fields(payload):
            if num == 1 and wt == 1:
                (wall,) = struct.unpack("<d", v)
            elif num == 2 and wt == 0:
                step = v
            elif num == 3 and wt == 2:
                out["file_version"] = v.decode()
            elif num == 5 and wt == 2:
                for sn, swt, sv in fields(v):
                    if sn != 1:
                        continue
                    tag, val = None, None
                    for vn, vwt, vv in fields(sv):
                        if vn == 1:
                            tag = vv.decode()
                        elif vn == 2 and vwt == 5:
                            (val,) = struct.unpack("<f", vv)
                    out["series"].setdefault(tag, []).append([step, val])
        out["wall_times"].append(wall)
        out["records"] += 1
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
