"""JPEG files and what fastai's PIL path makes of them, for the native JPEG decoder.

Writes JPEGs of several kinds (colour and grey, baseline and progressive, 4:2:0 and 4:4:4
chroma, EXIF orientations, large enough for shrink-on-load, smaller than the target, exactly the
target) and, per case, PIL's pixels: open, DCT-scaled decode (`draft`) where the decoder
shrinks on load, `exif_transpose`, `convert('RGB')`, bilinear resize to the base size, then the
centred window `Resize` takes in validation. Base sizes (from the file's own size) and the
shrink-on-load factor follow the rules the project documents; they are written out here, not
taken from the code under test.
"""
import os

import numpy as np
import torch
from PIL import Image, ImageOps

from common import out_dir, versions, write_safetensors

out = out_dir()
rng = np.random.default_rng(7)


def photo(w, h, channels=3):
    """A smooth field plus grain: what a photo's JPEG holds, cheap to make."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    layers = [127.5 + 110 * np.sin(x / (23.0 + 9 * c) + c) * np.cos(y / (31.0 + 5 * c)) for c in range(channels)]
    img = np.stack(layers, axis=-1) + rng.normal(0, 12, (h, w, channels))
    img = np.clip(np.round(img), 0, 255).astype(np.uint8)
    return Image.fromarray(img[..., 0] if channels == 1 else img)


def exif_with_orientation(o):
    exif = Image.Exif()
    exif[0x0112] = o
    return exif.tobytes()


def shrink_for(w, h, spec):
    tw, th, fit, without_enlargement = spec
    hs, vs = w / tw, h / th
    if fit == "outside":
        hs = vs = min(hs, vs)
    elif fit == "inside":
        hs = vs = max(hs, vs)
    if without_enlargement:
        hs, vs = max(1.0, hs), max(1.0, vs)
    return min(hs, w), min(vs, h)


def jpeg_shrink_on_load(w, h, spec):
    s = min(shrink_for(w, h, spec))
    d = 8 if s >= 8 else 4 if s >= 4 else 2 if s >= 2 else 1
    if d > 1 and int(s) == d:
        d //= 2
    return d


def base_size(w, h, spec):
    hs, vs = shrink_for(w, h, spec)
    return max(1, int(w * (1.0 / hs) + 0.5)), max(1, int(h * (1.0 / vs) + 0.5))


def base_spec(transform, size):
    """What the loaders ask the decoder for (src/data/transforms.ts)."""
    h, w = size
    if transform == "crop":
        return (w, h, "outside", False)
    if transform == "squish":
        return (w, h, "fill", False)
    return None


def centre_window(bw, bh, size, transform):
    h, w = size
    if transform == "squish":
        return (0, 0, w, h)
    m = min(bw / w, bh / h)
    cw, ch = int(m * w), int(m * h)
    return (int(0.5 * (bw - cw)), int(0.5 * (bh - ch)), w, h)


# name, (width, height) as stored, save options, transform ("crop" / "squish" / None = as decoded), size (h, w)
cases = [
    ("photo", (500, 375), {}, "crop", (224, 224)),
    ("portrait", (375, 500), {}, "crop", (224, 224)),
    ("photo_decoded", (500, 375), {}, None, None),
    ("grey", (400, 300), {"grey": True}, "squish", (160, 160)),
    ("progressive", (520, 390), {"progressive": True}, "crop", (160, 240)),
    ("chroma444", (480, 360), {"subsampling": 0}, "crop", (224, 224)),
    ("large", (1700, 1275), {}, "crop", (224, 224)),
    ("large_squish", (1300, 1000), {}, "squish", (128, 128)),
    ("small", (150, 100), {}, "crop", (224, 224)),
    ("exact", (224, 224), {}, "crop", (224, 224)),
    ("odd", (333, 251), {"quality": 75}, "crop", (97, 131)),
    ("exif6", (450, 300), {"orientation": 6}, "crop", (200, 200)),
    ("exif6_decoded", (450, 300), {"orientation": 6}, None, None),
    ("exif3", (300, 200), {"orientation": 3}, "crop", (128, 128)),
    ("exif8", (300, 200), {"orientation": 8}, "squish", (120, 90)),
    ("exif5", (300, 200), {"orientation": 5}, None, None),
    ("exif7", (300, 200), {"orientation": 7}, None, None),
    ("exif2", (300, 200), {"orientation": 2}, None, None),
    ("exif4", (300, 200), {"orientation": 4}, None, None),
]

tensors = {}
meta = []
for name, (w, h), opts, transform, size in cases:
    path = os.path.join(out, f"{name}.jpg")
    im = photo(w, h, 1 if opts.get("grey") else 3)
    save = {"quality": opts.get("quality", 90)}
    if opts.get("progressive"):
        save["progressive"] = True
    if "subsampling" in opts:
        save["subsampling"] = opts["subsampling"]
    if "orientation" in opts:
        save["exif"] = exif_with_orientation(opts["orientation"])
    im.save(path, "JPEG", **save)

    ref = Image.open(path)
    spec = base_spec(transform, size) if transform else None
    upright = (h, w) if opts.get("orientation", 1) >= 5 else (w, h)
    d = jpeg_shrink_on_load(*upright, spec) if spec else 1
    if d > 1:
        ref.draft("RGB", (w // d, h // d))
        assert ref.size == (-(-w // d), -(-h // d)), (name, ref.size)
    ref = ImageOps.exif_transpose(ref).convert("RGB")
    if spec:
        bw, bh = base_size(*upright, spec)  # from the file's size, whatever the decode's
        if (bw, bh) != ref.size:
            ref = ref.resize((bw, bh), Image.BILINEAR)
        left, top, cw, ch = centre_window(bw, bh, size, transform)
        ref = ref.crop((left, top, left + cw, top + ch))
    tensors[name] = torch.from_numpy(np.asarray(ref).copy())
    meta.append({"name": name, "file": f"{name}.jpg", "transform": transform, "size": list(size) if size else None, "shrinkOnLoad": d})

write_safetensors(os.path.join(out, "jpeg_bases.safetensors"), tensors, {"cases": meta, **versions()})
