#!/usr/bin/env python3
# vec2seed.py -- the seed corpus of fuzz_bundle from the bundle vectors
# (tests/vectors/*.vec: a text header, a blank line, the bundle): each
# bundle re-signed (mode byte 1), the small ones also as they are (mode
# 0), and a few plaintexts to seal and open (mode 2).
#
#   python3 tests/fuzz/vec2seed.py tests/vectors tests/fuzz/corpus/bundle
import os
import struct
import sys

src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
for name in sorted(os.listdir(src)):
    if not name.endswith(".vec"):
        continue
    with open(os.path.join(src, name), "rb") as f:
        data = f.read()
    bundle = data[data.index(b"\n\n") + 2:]
    base = name[:-4]
    with open(os.path.join(dst, base + "-resigned"), "wb") as f:
        f.write(b"\x01" + bundle)
    if len(bundle) < 4096:
        with open(os.path.join(dst, base), "wb") as f:
            f.write(b"\x00" + bundle)
items = b"".join(struct.pack(">I", len(j)) + j for j in
                 (b'{"sender":"x"}', b'{"vector":[]}'))
for name, plain in (("plain-empty", b""), ("plain-items", items)):
    with open(os.path.join(dst, name), "wb") as f:
        f.write(b"\x02" + plain)
