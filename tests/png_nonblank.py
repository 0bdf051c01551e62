#!/usr/bin/python3
"""Exit 0 when a PNG image (8-bit RGB or RGBA, as Chromium writes its
screenshots) is not of one colour: at least MIN distinct pixel values.

Usage: png_nonblank.py IMAGE.png [MIN]"""
import struct
import sys
import zlib


def main():
    data = open(sys.argv[1], "rb").read()
    least = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        print("not a PNG")
        return 1
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            channels = {2: 3, 6: 4}.get(ctype, 0)
            if depth != 8 or not channels:
                print("unsupported PNG (depth %d, colour type %d)" % (depth, ctype))
                return 1
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = width * channels
    prev = bytearray(stride)
    seen = set()
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % 8 == 0:
            for x in range(0, stride, channels * 4):
                seen.add(bytes(line[x:x + 3]))
        prev = line
    if len(seen) < least:
        print("the image has %d distinct colours (blank?)" % len(seen))
        return 1
    return 0


sys.exit(main())
