"""fastai's item-transform geometry from given random draws, and numpy padding.

The window formulas are fastai 2.7's `Resize.encodes` / `RandomResizedCrop.before_call` and
`_do_crop_pad` (fastai/vision/augment.py), written out here with their float64 arithmetic and
Python's round/int/// semantics. fastai draws from Python's `random`; here every draw is taken
from a recorded list of uniforms in [0, 1) so the TypeScript side can replay it:
random.random() -> u, random.uniform(a, b) -> a + (b - a) * u, random.randint(0, k) ->
min(k, floor(u * (k + 1))).
"""
import math
import operator
import os

import numpy as np
import torch

from common import out_dir, versions, write_safetensors

out = out_dir()
torch.manual_seed(0)
gen = torch.Generator().manual_seed(1234)


def uniforms(k):
    return torch.rand(k, generator=gen, dtype=torch.float64).tolist()


def resize_window(w, h, size_hw, method, pcts):
    size = (size_hw[1], size_hw[0])  # fastai keeps (w, h) internally
    if method == "squish":
        return (0, 0, w, h)
    op = (operator.lt, operator.gt)[method == "pad"]
    m = w / size[0] if op(w / size[0], h / size[1]) else h / size[1]
    cp_sz = (int(m * size[0]), int(m * size[1]))
    tl = (int(pcts[0] * (w - cp_sz[0])), int(pcts[1] * (h - cp_sz[1])))
    return (tl[0], tl[1], cp_sz[0], cp_sz[1])


class Draws:
    def __init__(self, values):
        self.values = list(values)
        self.used = 0

    def random(self):
        v = self.values[self.used]
        self.used += 1
        return v

    def uniform(self, a, b):
        return a + (b - a) * self.random()

    def randint(self, lo, hi):
        return lo + min(hi - lo, math.floor(self.random() * (hi - lo + 1)))


def rrc_window(w, h, min_scale, max_scale, ratio, draws):
    for attempt in range(10):
        area = draws.uniform(min_scale, max_scale) * w * h
        r = math.exp(draws.uniform(math.log(ratio[0]), math.log(ratio[1])))
        nw = int(round(math.sqrt(area * r)))
        nh = int(round(math.sqrt(area / r)))
        if nw <= w and nh <= h:
            return (draws.randint(0, w - nw), draws.randint(0, h - nh), nw, nh)
    if w / h < ratio[0]:
        cp = (w, int(w / ratio[0]))
    elif w / h > ratio[1]:
        cp = (int(h * ratio[1]), h)
    else:
        cp = (w, h)
    return ((w - cp[0]) // 2, (h - cp[1]) // 2, cp[0], cp[1])


def rrc_valid(size_hw, val_xtra):
    size = (size_hw[1], size_hw[0])
    xtra = math.ceil(max(*size[:2]) * val_xtra / 8) * 8
    final = (size[0] + xtra, size[1] + xtra)
    tl = ((final[0] - size[0]) // 2, (final[1] - size[1]) // 2)
    return [final[1], final[0], tl[0], tl[1]]


tensors = {}
meta = {}

# Resize windows: random source sizes, square and oblong targets, train draws and the centre.
sizes = [(224, 224), (460, 460), (28, 28), (160, 240), (300, 200), (7, 13)]
resize_cases = []
srcs = torch.randint(1, 2500, (400, 2), generator=gen).tolist()
for i, (w, h) in enumerate(srcs):
    size = sizes[i % len(sizes)]
    method = ["crop", "pad", "squish"][i % 3]
    pcts = (0.5, 0.5) if i % 4 == 0 else tuple(uniforms(2))
    resize_cases.append({"w": w, "h": h, "size": list(size), "method": method, "pcts": list(pcts), "window": list(resize_window(w, h, size, method, pcts))})
# Exact-ratio and tiny sources exercise the truncations.
for (w, h, size) in [(500, 375, (224, 224)), (375, 500, (224, 224)), (448, 224, (224, 448)), (1, 1, (224, 224)), (3, 2000, (224, 224)), (640, 480, (480, 640))]:
    for method in ["crop", "pad", "squish"]:
        for pcts in [(0.5, 0.5), (0.0, 0.0), (0.999999, 0.999999)]:
            resize_cases.append({"w": w, "h": h, "size": list(size), "method": method, "pcts": list(pcts), "window": list(resize_window(w, h, size, method, pcts))})
meta["resize"] = resize_cases

# RandomResizedCrop training windows from recorded draws (40 per case covers ten tries).
rrc_cases = []
params = [(0.08, 1.0, (3 / 4, 4 / 3)), (0.35, 1.0, (3 / 4, 4 / 3)), (0.9, 1.0, (1.0, 1.0)), (0.5, 0.8, (0.5, 2.0)), (1.0, 1.0, (3 / 4, 4 / 3))]
srcs = torch.randint(1, 1500, (400, 2), generator=gen).tolist()
srcs += [[2000, 50], [50, 2000], [1, 1], [3, 1000], [1000, 3]] * 4
for i, (w, h) in enumerate(srcs):
    min_scale, max_scale, ratio = params[i % len(params)]
    draws = uniforms(40)
    d = Draws(draws)
    window = rrc_window(w, h, min_scale, max_scale, ratio, d)
    rrc_cases.append({"w": w, "h": h, "minScale": min_scale, "maxScale": max_scale, "ratio": list(ratio), "draws": draws, "used": d.used, "window": list(window)})
meta["rrc"] = rrc_cases
meta["rrcValid"] = [{"size": list(s), "valXtra": x, "result": rrc_valid(s, x)} for s in sizes for x in [0.14, 0.0, 0.5]]

# numpy padding (what torchvision's pad does for PIL images): windows reaching past the edges.
pad_cases = []
for i, mode in enumerate(["reflect", "edge", "constant"] * 4):
    h, w = [(5, 4), (1, 6), (3, 1), (7, 9)][i // 3]
    img = torch.randint(0, 256, (h, w, 3), generator=gen, dtype=torch.uint8).numpy()
    left, top = [(-6, -3), (-2, 1), (2, -11), (-20, -15)][i // 3]
    ww, wh = [(14, 9), (12, 2), (3, 25), (50, 40)][i // 3]
    margin = 64
    padded = np.pad(img, ((margin, margin), (margin, margin), (0, 0)), mode=mode)
    crop = padded[top + margin: top + margin + wh, left + margin: left + margin + ww]
    name = f"pad{i}"
    tensors[f"{name}.image"] = torch.from_numpy(img.copy())
    tensors[f"{name}.expected"] = torch.from_numpy(np.ascontiguousarray(crop))
    pad_cases.append({"name": name, "mode": {"reflect": "reflection", "edge": "border", "constant": "zeros"}[mode], "window": [left, top, ww, wh]})
meta["pad"] = pad_cases

write_safetensors(os.path.join(out, "data_geometry.safetensors"), tensors, {**meta, **versions()})
