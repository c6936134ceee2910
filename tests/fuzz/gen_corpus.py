#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""Write the tiny seed corpus of fuzz_proto into the directory argv[1]."""
import os
import struct
import sys


def crc32c(data, crc=0xffffffff):
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82f63b78 if crc & 1 else crc >> 1
    return crc ^ 0xffffffff


def crc8(data, crc=0xff):
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xff if crc & 0x80 else (crc << 1) & 0xff
    return crc


def hdr(cmd, tag, addr, length):
    return struct.pack("<BBIH", cmd, tag, addr, length)


EPOCH = 0x600d0001  # FUZZ_EPOCH, the fuzzed slave's first epoch


def frame(cmd, tag, addr, length, payload=b"", epoch=EPOCH):
    """A write (a retry carries an epoch after the header), or a read request."""
    h = hdr(cmd, tag, addr, length)
    if cmd == 0xa2:
        return h + bytes([crc8(h)])
    if cmd == 0xa9:
        h += struct.pack("<I", epoch)
    f = h + payload
    return f + struct.pack("<I", crc32c(f))


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
                                  + w(frame(0xa2, 2, 4, 8)) + [None] * 13 + [0xff]
                                  + w(frame(0xa9, 1, 4, 8, p)) + [None, None, 0xff])
seeds["slave-restart-retry"] = (slave(32, w(frame(0xa1, 1, 4, 8, p)) + [None, None, 0xff])
                                + b"\xfd\x00"
                                + slave(32, w(frame(0xa9, 1, 4, 8, p)) + [None, None, 0xff])[2:])
# a retry in the slave's epoch that its memory does not know: it runs
seeds["slave-retry-epoch"] = slave(32, w(frame(0xa9, 9, 4, 8, p)) + [None, None, 0xff]
                                   + w(frame(0xa9, 9, 4, 8, p, EPOCH ^ 1)) + [None, None, 0xff])
seeds["slave-errors"] = slave(8, [0x51, 1, 2, None, 0xff] + w(frame(0xa1, 3, 0, 0))
                              + [None, 0xff] + w(frame(0xa1, 4, 0, 20, bytes(20)))
                              + [None, 0xff] + w(frame(0xa2, 5, 300, 4)) + [None, 0xff])
seeds["slave-abort"] = slave(16, w(frame(0xa1, 6, 0, 8, p))[:5] + [None, None, 0xff]) + b"\xfe\x00"
# master: link control bytes (0 = ok) interleaved with the slave's answers
# (even input length: the write goes out as a plain write, cmd 0xa1)
wh = hdr(0xa1, 1, 0x1234, 4)
ack = bytes([st(0), crc8(wh + bytes([st(0)]))])
ans = bytes([st(0)]) + p[:4]
rd = ans + struct.pack("<I", crc32c(hdr(0xa2, 2, 0x1234, 4) + ans))
# write: 3 puts, turn_read, get, answer, turn_write; read: 1 put, turn_read, get,
# status, get, the rest, turn_write; abort: turn_read, get, status, turn_write
seeds["master-ok"] = (bytes([1, 4]) + bytes([0, 0, 0, 0, 0]) + ack + bytes([0])
                      + bytes([0, 0, 0]) + rd[:1] + bytes([0]) + rd[1:]
                      + bytes([0])
                      + bytes([0, 0, st(7), 0]))
rh = hdr(0xa2, 2, 0x1234, 4)
rerr = bytes([st(3)]) + struct.pack("<I", crc32c(rh + bytes([st(3)])))
seeds["master-errors"] = (bytes([1, 4]) + bytes([0, 0, 0, 0, 0, st(3), 0xff, 0])
                          + bytes([0, 0, 0]) + rerr[:1] + bytes([0]) + rerr[1:]
                          + bytes([0]) + bytes([0xff]))

os.makedirs(sys.argv[1], exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(sys.argv[1], name), "wb") as fh:
        fh.write(data)
