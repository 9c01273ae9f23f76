"""Resized pixels as fastai makes them with PIL, on a smooth synthetic image.

Writes the source image (PNG, lossless) and, per case, the output of fastai's crop_pad + PIL
bilinear resize (fastai/vision/augment.py `_do_crop_pad`: PIL crop, torchvision pad, resize).
The TypeScript pipeline decodes the same PNG with sharp and is compared loosely: the two
resamplers differ (libvips vs Pillow, resize-then-crop vs crop-then-resize).
"""
import math
import os

import numpy as np
import torch
import torchvision.transforms.functional as tvf
from PIL import Image

from common import out_dir, versions, write_safetensors

out = out_dir()
W, H = 400, 300
y, x = np.mgrid[0:H, 0:W].astype(np.float64)
img = np.stack([
    127.5 + 120 * np.sin(x / 47.0) * np.cos(y / 61.0),
    127.5 + 120 * np.cos((x + y) / 83.0),
    40 + 200 * (x / W) * (y / H),
], axis=-1)
pixels = np.clip(np.round(img), 0, 255).astype(np.uint8)
Image.fromarray(pixels).save(os.path.join(out, "smooth.png"))

pad_modes = {"zeros": "constant", "border": "edge", "reflection": "reflect"}


def crop_pad_resize(im, window, out_hw, pad_mode="reflection"):
    left, top, cw, ch = window
    w, h = im.size
    if left >= 0 or top >= 0 or left + cw <= w or top + ch <= h:
        im = im.crop((max(left, 0), max(top, 0), min(left + cw, w), min(top + ch, h)))
    if left < 0 or top < 0 or left + cw >= w or top + ch >= h:
        p = (max(-left, 0), max(-top, 0), max(cw - w + left, 0), max(ch - h + top, 0))
        im = tvf.pad(im, p, padding_mode=pad_modes[pad_mode])
    return im.resize((out_hw[1], out_hw[0]), Image.BILINEAR)


def resize_window(w, h, size_hw, method, pcts):
    size = (size_hw[1], size_hw[0])
    if method == "squish":
        return (0, 0, w, h)
    m = min(w / size[0], h / size[1]) if method == "crop" else max(w / size[0], h / size[1])
    cp = (int(m * size[0]), int(m * size[1]))
    return (int(pcts[0] * (w - cp[0])), int(pcts[1] * (h - cp[1])), cp[0], cp[1])


source = Image.open(os.path.join(out, "smooth.png")).convert("RGB")
cases = []
tensors = {}
resize_specs = [
    ("crop_valid", (224, 224), "crop", "reflection", (0.5, 0.5)),
    ("crop_train", (160, 240), "crop", "reflection", (0.3, 0.8)),
    ("pad_valid", (224, 224), "pad", "reflection", (0.5, 0.5)),
    ("pad_zeros_train", (200, 200), "pad", "zeros", (0.2, 0.7)),
    ("pad_border_valid", (150, 300), "pad", "border", (0.5, 0.5)),
    ("squish", (200, 150), "squish", "reflection", (0.0, 0.0)),
    ("presize_460", (460, 460), "crop", "reflection", (0.5, 0.5)),
]
for name, size, method, pad_mode, pcts in resize_specs:
    window = resize_window(W, H, size, method, pcts)
    result = crop_pad_resize(source, window, size, pad_mode)
    tensors[name] = torch.from_numpy(np.asarray(result).copy())
    cases.append({"name": name, "transform": "Resize", "size": list(size), "method": method, "padMode": pad_mode, "draws": list(pcts), "window": list(window)})

# RandomResizedCrop: a training window (from fixed draws: area 0.5, ratio at the middle of the log
# range, offsets 0.25 / 0.75) and the validation squish + centre crop.
size = (128, 128)
area = (0.08 + (1 - 0.08) * 0.5) * W * H
r = math.exp(math.log(3 / 4) + (math.log(4 / 3) - math.log(3 / 4)) * 0.5)
nw, nh = int(round(math.sqrt(area * r))), int(round(math.sqrt(area / r)))
window = (min(W - nw, math.floor(0.25 * (W - nw + 1))), min(H - nh, math.floor(0.75 * (H - nh + 1))), nw, nh)
tensors["rrc_train"] = torch.from_numpy(np.asarray(crop_pad_resize(source, window, size)).copy())
cases.append({"name": "rrc_train", "transform": "RandomResizedCrop", "size": list(size), "draws": [0.5, 0.5, 0.25, 0.75], "window": list(window)})
xtra = math.ceil(128 * 0.14 / 8) * 8
squished = source.resize((128 + xtra, 128 + xtra), Image.BILINEAR)
tl = xtra // 2
tensors["rrc_valid"] = torch.from_numpy(np.asarray(squished.crop((tl, tl, tl + 128, tl + 128))).copy())
cases.append({"name": "rrc_valid", "transform": "RandomResizedCrop", "size": list(size), "draws": [], "window": [0, 0, W, H]})

write_safetensors(os.path.join(out, "data_pixels.safetensors"), tensors, {"cases": cases, "source": "smooth.png", **versions()})
