"""Augmented pixels for fixed parameters, computed the way fastai's batch transforms do it.

fastai (vision/augment.py): IntToFloatTensor (÷255), then AffineCoordTfm: affine_grid from the
2 × 3 part of the matrices, the perspective warp applied to the grid (apply_perspective),
_grid_sample (an area pre-shrink when the output is much smaller, then grid_sample), then the
lighting transforms in logit space: sigmoid((logit(x) + brightness) · contrast).

One deliberate difference in the pre-shrink: fastai computes the shrink factor as
min(h_in / grid.shape[-2], w_in / grid.shape[-1]) / 2, which pairs the input height with the
output *width* and the input width with the constant 2. fasttune pairs each axis with its own
output size; both agree for square outputs. The reference follows fasttune's reading.

The 'valid_crop' case checks the folded crop against fastai's own two-step path
(RandomResizedCropGPU on validation: centre crop, then a resample of the crop to `size`).
"""
import math
import os

import torch
import torch.nn.functional as F

from common import deterministic, out_dir, versions, write_safetensors

MODES = {"bilinear", "nearest", "bicubic"}


def apply_perspective(coords, coeffs):
    sz = coords.shape
    coords = coords.view(sz[0], -1, 2)
    coeffs = torch.cat([coeffs, torch.ones_like(coeffs[:, :1])], dim=1).view(coeffs.shape[0], 3, 3)
    coords1 = coords @ coeffs[..., :2].transpose(1, 2) + coeffs[..., 2].unsqueeze(1)
    if (coords1[..., 2] == 0.0).any():
        return coords[..., :2].view(*sz)
    coords = coords1 / coords1[..., 2].unsqueeze(-1)
    return coords[..., :2].view(*sz)


def grid_sample(x, coords, mode, padding_mode, align_corners):
    if mode == "bilinear":
        mn, mx = coords.min(), coords.max()
        z = 1 / (mx - mn).item() * 2
        d = min(x.shape[-2] / coords.shape[-3], x.shape[-1] / coords.shape[-2]) / 2
        if d > 1 and d > z:
            x = F.interpolate(x, scale_factor=1 / d, mode="area", recompute_scale_factor=True)
    return F.grid_sample(x, coords, mode=mode, padding_mode=padding_mode, align_corners=align_corners)


def logit(x):
    x = x.clamp(1e-7, 1 - 1e-7)
    return -(1 / x - 1).log()


def augment(x, p):
    n, c, h, w = x.shape
    size = tuple(p["size"])
    if "affine" in p or "warp" in p or size != (h, w):
        mat = p["affine"] if "affine" in p else torch.eye(3).expand(n, 3, 3)
        coords = F.affine_grid(mat[:, :2], (n, c) + size, align_corners=p["align_corners"])
        if "warp" in p:
            coords = apply_perspective(coords, p["warp"])
        x = grid_sample(x, coords, p["mode"], p["pad_mode"], p["align_corners"])
    if "brightness" in p or "contrast" in p:
        x = logit(x)
        if "brightness" in p:
            x = x + p["brightness"][:, None, None, None]
        if "contrast" in p:
            x = x * p["contrast"][:, None, None, None]
        x = torch.sigmoid(x)
    return x


def rand(*shape, low=-1.0, high=1.0):
    return low + torch.rand(*shape) * (high - low)


def affines(n, h, w, max_deg=20.0, zoom=(1.0, 1.3), flip=True):
    """Random flip · rotation · zoom, corrected for the aspect ratio like fastai's _prepare_mat."""
    mats = []
    for _ in range(n):
        sign = -1.0 if flip and torch.rand(()) < 0.5 else 1.0
        t = math.radians(rand((), low=-max_deg, high=max_deg).item())
        s = 1 / rand((), low=zoom[0], high=zoom[1]).item()
        cx, cy = (1 - s) * rand(()).item(), (1 - s) * rand(()).item()
        m = torch.tensor([[sign, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=torch.float64)
        m = m @ torch.tensor([[math.cos(t), math.sin(t), 0], [-math.sin(t), math.cos(t), 0], [0, 0, 1]], dtype=torch.float64)
        m = m @ torch.tensor([[s, 0, cx], [0, s, cy], [0, 0, 1]], dtype=torch.float64)
        m[0, 1] *= h / w
        m[1, 0] *= w / h
        mats.append(m)
    return torch.stack(mats).float()


def warps(n, magnitude=0.05):
    base = torch.tensor([1, 0, 0, 0, 1, 0, 0, 0], dtype=torch.float32)
    return base + rand(n, 8, low=-magnitude, high=magnitude)


def lighting(n):
    b = logit(rand(n, low=0.4, high=0.6))
    c = torch.exp(rand(n, low=math.log(0.8), high=-math.log(0.8)))
    return b, c


def crop_matrix(top, left, ch, cw, h, w):
    """Output corners onto the centres of the crop's corner pixels (align_corners)."""
    sx, sy = (cw - 1) / (w - 1), (ch - 1) / (h - 1)
    tx, ty = (2 * left + cw - 1) / (w - 1) - 1, (2 * top + ch - 1) / (h - 1) - 1
    return torch.tensor([[sx, 0, tx], [0, sy, ty], [0, 0, 1]], dtype=torch.float64).float()


def case(n, h, w, size, mode="bilinear", pad_mode="reflection", align_corners=True, **params):
    return dict(images=torch.randint(0, 256, (n, h, w, 3), dtype=torch.uint8), size=list(size), mode=mode,
                pad_mode=pad_mode, align_corners=align_corners, **params)


def main():
    out = out_dir()
    deterministic(0)
    b3, c3 = lighting(3)
    cases = {
        "bilinear_warp_lighting": case(3, 40, 56, (32, 48), affine=affines(3, 40, 56), warp=warps(3), brightness=b3, contrast=c3),
        "preshrink": case(2, 96, 120, (20, 24), affine=affines(2, 96, 120, max_deg=5.0, zoom=(1.0, 1.05))),
        "nearest_zeros": case(2, 20, 24, (33, 37), mode="nearest", pad_mode="zeros", align_corners=False,
                              affine=affines(2, 20, 24, zoom=(0.6, 0.7))),
        "bicubic_border": case(2, 30, 30, (25, 35), mode="bicubic", pad_mode="border",
                               affine=affines(2, 30, 30, max_deg=30.0), warp=warps(2, 0.1)),
        "bilinear_border_noalign": case(2, 28, 36, (28, 36), pad_mode="border", align_corners=False,
                                        affine=affines(2, 28, 36, zoom=(0.8, 0.9)), warp=warps(2)),
        "resize_only": case(2, 40, 56, (30, 30)),
        "lighting_only": case(3, 16, 20, (16, 20), brightness=lighting(3)[0], contrast=lighting(3)[1]),
    }
    meta, tensors = [], {}
    for name, p in cases.items():
        x = p["images"].permute(0, 3, 1, 2).contiguous().float().div(255)
        if name == "preshrink":
            coords = F.affine_grid(p["affine"][:, :2], (2, 3, 20, 24), align_corners=True)
            d = min(96 / 20, 120 / 24) / 2
            assert d > 1 and d > 2 / (coords.max() - coords.min()).item(), "the preshrink case must pre-shrink"
        expected = augment(x, p)
        tensors[f"{name}.expected"] = expected
        meta.append(case_meta(name, p, tensors, 1e-6))

    # fastai's validation path with RandomResizedCropGPU(24, ratio=(1, 1)) on a 48 × 64 batch: the
    # centred 48 × 48 crop resampled to 32 × 32 (align_corners, reflection, bilinear).
    p = case(2, 48, 64, (32, 32))
    x = p["images"].permute(0, 3, 1, 2).contiguous().float().div(255)
    top, left, ch, cw = 0, 8, 48, 48
    cropped = x[..., top:top + ch, left:left + cw]
    coords = F.affine_grid(torch.eye(3).expand(2, 3, 3)[:, :2], (2, 3, 32, 32), align_corners=True)
    tensors["valid_crop.expected"] = grid_sample(cropped, coords, "bilinear", "reflection", True)
    p["affine"] = crop_matrix(top, left, ch, cw, 48, 64).expand(2, 3, 3)
    # The folded crop computes the same positions through another chain of float operations.
    meta.append(case_meta("valid_crop", p, tensors, 2e-5))

    write_safetensors(os.path.join(out, "pixels.safetensors"), tensors, {"cases": meta, "versions": versions()})


def case_meta(name, p, tensors, atol):
    tensors[f"{name}.images"] = p["images"]
    fields = [k for k in ("affine", "warp", "brightness", "contrast") if k in p]
    for k in fields:
        tensors[f"{name}.{k}"] = p[k].float()
    expected = tensors[f"{name}.expected"]
    tensors[f"{name}.expected_u8"] = expected.mul(255).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1)
    return dict(name=name, shape=list(p["images"].shape), size=p["size"], mode=p["mode"], padMode=p["pad_mode"],
                alignCorners=p["align_corners"], fields=fields, atol=atol)


main()
