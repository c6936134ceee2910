#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""Write the tiny seed corpus of fuzz_proto into the directory argv[1]."""
import os
import struct
import sys


def crc16(data, crc=0xffff):
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xffff
    return crc


def frame(cmd, tag, addr, length, payload=b""):
    f = struct.pack("<BBIH", cmd, tag, addr, length) + payload
    return f + struct.pack(">H", crc16(f))


def st(code):
    return ((code * 0x11) ^ 0xf0) & 0xff


def slave(maxp, events):
    """events: bytes latched (RW=0) or None for an RW=1 strobe."""
    out = bytearray([0, maxp])
    for e in events:
        out += b"\x01\x00" if e is None else bytes([0, e])
    return bytes(out)


def w(b):
    return list(b)


seeds = {}
p = bytes(range(1, 9))
seeds["slave-write-read"] = slave(32, w(frame(0xa1, 1, 4, 8, p)) + [None, None, 0xff]
                                  + w(frame(0xa2, 2, 4, 8)) + [None] * 11 + [0xff])
seeds["slave-errors"] = slave(8, [0x51, 1, 2, None, 0xff] + w(frame(0xa1, 3, 0, 0))
                              + [None, 0xff] + w(frame(0xa1, 4, 0, 20, bytes(20)))
                              + [None, 0xff] + w(frame(0xa2, 5, 300, 4)) + [None, 0xff])
seeds["slave-abort"] = slave(16, w(frame(0xa1, 6, 0, 8, p))[:5] + [None, None, 0xff]) + b"\xfe\x00"
# master: link control bytes (0 = ok) interleaved with the slave's answers
ans = bytes([st(0)]) + p[:4]
rd = ans + struct.pack(">H", crc16(ans))
seeds["master-ok"] = (bytes([1, 4]) + bytes([0, 0, 0, 0, 0, st(0), 0])
                      + bytes([0, 0, 0, 0]) + rd[:1] + bytes([0]) + rd[1:]
                      + bytes([0])
                      + bytes([0, 0, st(7), 0]))
seeds["master-errors"] = (bytes([1, 4]) + bytes([0, 0, 0, 0, 0, st(3), 0xff])
                          + bytes([0, 0, 0, 0, st(1) ^ 4, 0]) + bytes([0xff]))

os.makedirs(sys.argv[1], exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(sys.argv[1], name), "wb") as fh:
        fh.write(data)
