"""Windows of an image resized with PIL's bilinear filter, as fastai's crop_pad + resize does.

One noisy RGB image and many seeded (window, output size) cases, shrinking and enlarging, thin
and square, from one pixel up: `Image.crop(box).resize(size, BILINEAR)` for each. The native
resampler must reproduce every one byte for byte.
"""
import os

import numpy as np
import torch
from PIL import Image

from common import out_dir, versions, write_safetensors

out = out_dir()
rng = np.random.default_rng(11)
W, H = 173, 131
pixels = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
image = Image.fromarray(pixels)

tensors = {"source": torch.from_numpy(pixels.copy())}
cases = []
for i in range(60):
    left, top = int(rng.integers(0, W)), int(rng.integers(0, H))
    w, h = int(rng.integers(1, W - left + 1)), int(rng.integers(1, H - top + 1))
    # Output sizes from 1/9 to 3 times the window's, and some fixed thin ones.
    ow = max(1, int(round(w * rng.uniform(0.11, 3.0)))) if i % 10 else 1
    oh = max(1, int(round(h * rng.uniform(0.11, 3.0)))) if i % 7 else 2
    result = image.crop((left, top, left + w, top + h)).resize((ow, oh), Image.BILINEAR)
    name = f"case{i}"
    tensors[name] = torch.from_numpy(np.asarray(result).copy())
    cases.append({"name": name, "window": [left, top, w, h], "size": [ow, oh]})

write_safetensors(os.path.join(out, "resample_windows.safetensors"), tensors, {"cases": cases, **versions()})
