"""Pillow's side of test/bench/decode.bench.ts: CPU time per image of what torchvision's ImageFolder
+ Resize does (open, convert('RGB'), bilinear antialiased resize of the short side), and variants.

usage: decode_pillow.py <folder of class folders> <size>
Prints one JSON line: variant -> CPU ms per image (best of three passes).
"""
import json
import os
import sys
import time

import torchvision.transforms as T
from PIL import Image


def files(root):
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith(".jpg"))


def measure(paths, run):
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for p in paths:
            run(p)
        best = min(best, (time.process_time() - start) / len(paths))
    return best * 1000


def main():
    root, size = sys.argv[1], int(sys.argv[2])
    paths = files(root)
    resize = T.Resize(size)

    def open_rgb(p):
        with open(p, "rb") as f:
            return Image.open(f).convert("RGB")

    def draft(p):
        with open(p, "rb") as f:
            img = Image.open(f)
            img.draft("RGB", (size, size))
            return resize(img.convert("RGB"))

    result = {
        "torchvision (open, convert, Resize)": measure(paths, lambda p: resize(open_rgb(p))),
        "decode only": measure(paths, open_rgb),
        "with draft() (DCT scaling)": measure(paths, draft),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
