"""What fastai's aug_transforms decides for a batch, recomputed in plain PyTorch (float64).

fastai draws its random numbers from torch and `random`; here every draw comes from a fixed list
of uniforms consumed in the order fasttune documents (pieces in list order; per image: n values,
then n keep-decisions u < p), so the TypeScript side can replay the same list and must land on
the same matrices. The formulas follow fastai/vision/augment.py (flip_mat, dihedral_mat,
rotate_mat, zoom_mat, _WarpCoord + find_coeffs, _prepare_mat, _BrightnessLogit, _ContrastLogit,
RandomResizedCropGPU.before_call, aug_transforms).

The crop of RandomResizedCropGPU is a second resample in fastai; fasttune folds it into the
affine map. Its matrix here maps the output corners onto the crop's corner pixels (centres with
align_corners, edges without), i.e. onto what fastai's second resample samples.
"""
import math
import os

import torch

from common import out_dir, versions, write_safetensors

F64 = torch.float64


class Uniforms:
    """A fixed list of uniforms in [0, 1), handed out in order."""

    def __init__(self, seed, count=8192):
        g = torch.Generator().manual_seed(seed)
        self.values = torch.rand(count, generator=g, dtype=F64)
        self.used = 0

    def next(self):
        v = self.values[self.used].item()
        self.used += 1
        return v

    def uniform(self, low, high):
        return low + self.next() * (high - low)

    def randint(self, low, high):
        return low + math.floor(self.next() * (high - low + 1))


def draw_mask(u, n, draw, p, neutral, batch):
    """fastai's _draw_mask + mask_tensor, with the Bernoulli draws replaced by u < p."""
    if batch:
        value = draw()
        x = torch.full((n,), value, dtype=F64)
        if p == 1.0:
            return x
        return x if u.next() < p else torch.zeros(n, dtype=F64) + neutral
    x = torch.tensor([draw() for _ in range(n)], dtype=F64)
    if p == 1.0:
        return x
    keep = torch.tensor([1.0 if u.next() < p else 0.0 for _ in range(n)], dtype=F64)
    return (x - neutral) * keep + neutral


def affine_mat(*ms):
    t0, t1 = torch.zeros_like(ms[0]), torch.ones_like(ms[0])
    return torch.stack([torch.stack([ms[0], ms[1], ms[2]], dim=1),
                        torch.stack([ms[3], ms[4], ms[5]], dim=1),
                        torch.stack([t0, t0, t1], dim=1)], dim=1)


def flip_mat(u, n, p, batch):
    mask = 1 - 2 * draw_mask(u, n, lambda: 1.0, p, 0.0, batch)
    z = torch.zeros_like(mask)
    return affine_mat(mask, z, z, z, torch.ones_like(mask), z)


def dihedral_mat(u, n, p, batch):
    idx = draw_mask(u, n, lambda: float(u.randint(0, 7)), p, 0.0, batch).long()
    xs = torch.tensor([1, -1, 1, -1, -1, 1, 1, -1], dtype=F64).gather(0, idx)
    ys = torch.tensor([1, 1, -1, 1, -1, -1, 1, -1], dtype=F64).gather(0, idx)
    m0 = torch.tensor([1, 1, 1, 0, 1, 0, 0, 0], dtype=F64).gather(0, idx)
    m1 = torch.tensor([0, 0, 0, 1, 0, 1, 1, 1], dtype=F64).gather(0, idx)
    z = torch.zeros_like(xs)
    return affine_mat(xs * m0, xs * m1, z, ys * m1, ys * m0, z)


def rotate_mat(u, n, max_deg, p, batch):
    thetas = draw_mask(u, n, lambda: u.uniform(-max_deg, max_deg), p, 0.0, batch) * math.pi / 180
    z = torch.zeros_like(thetas)
    return affine_mat(thetas.cos(), thetas.sin(), z, -thetas.sin(), thetas.cos(), z)


def zoom_mat(u, n, min_zoom, max_zoom, p, batch):
    s = 1 / draw_mask(u, n, lambda: u.uniform(min_zoom, max_zoom), p, 1.0, batch)
    col_pct = draw_mask(u, n, u.next, 1.0, 0.0, batch)
    row_pct = draw_mask(u, n, u.next, 1.0, 0.0, batch)
    col_c = (1 - s) * (2 * col_pct - 1)
    row_c = (1 - s) * (2 * row_pct - 1)
    z = torch.zeros_like(s)
    return affine_mat(s, z, col_c, z, s, row_c)


def find_coeffs(p1, p2):
    """Coefficients of the homography taking p2 onto p1 (4 point pairs per image)."""
    m = []
    p = p1[:, 0, 0]
    t0, t1 = torch.zeros_like(p), torch.ones_like(p)
    for i in range(p1.shape[1]):
        m.append(torch.stack([p2[:, i, 0], p2[:, i, 1], t1, t0, t0, t0, -p1[:, i, 0] * p2[:, i, 0], -p1[:, i, 0] * p2[:, i, 1]]))
        m.append(torch.stack([t0, t0, t0, p2[:, i, 0], p2[:, i, 1], t1, -p1[:, i, 1] * p2[:, i, 0], -p1[:, i, 1] * p2[:, i, 1]]))
    a = torch.stack(m).permute(2, 0, 1)
    b = p1.reshape(p1.shape[0], 8, 1)
    return torch.linalg.solve(a, b)[..., 0]


def warp_coeffs(u, n, magnitude, p, batch):
    x_t = draw_mask(u, n, lambda: u.uniform(-magnitude, magnitude), p, 0.0, batch)
    y_t = draw_mask(u, n, lambda: u.uniform(-magnitude, magnitude), p, 0.0, batch)
    orig = torch.tensor([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=F64).unsqueeze(0).expand(n, 4, 2)
    targ = torch.stack([torch.stack([-1 - y_t, -1 - x_t]), torch.stack([-1 + y_t, 1 + x_t]),
                        torch.stack([1 + y_t, -1 + x_t]), torch.stack([1 - y_t, 1 - x_t])]).permute(2, 0, 1)
    return find_coeffs(orig, targ)


def logit(x):
    x = x.clamp(1e-7, 1 - 1e-7)
    return -(1 / x - 1).log()


def brightness(u, n, max_lighting, p, batch):
    change = draw_mask(u, n, lambda: u.uniform(0.5 * (1 - max_lighting), 0.5 * (1 + max_lighting)), p, 0.5, batch)
    return logit(change)


def contrast(u, n, max_lighting, p, batch):
    low = math.log(1 - max_lighting)
    return draw_mask(u, n, lambda: math.exp(u.uniform(low, -low)), p, 1.0, batch)


def rrc_box(u, h, w, min_scale, ratio, split, max_scale=1.0, valid_scale=1.0):
    """RandomResizedCropGPU.before_call: (top, left, height, width) of the batch's crop."""
    for _ in range(10):
        if split == "valid":
            break
        area = u.uniform(min_scale, max_scale) * w * h
        r = math.exp(u.uniform(math.log(ratio[0]), math.log(ratio[1])))
        nw = int(round(math.sqrt(area * r)))
        nh = int(round(math.sqrt(area / r)))
        if nw <= w and nh <= h:
            top = u.randint(0, h - nh)
            left = u.randint(0, w - nw)
            return top, left, nh, nw
    if w / h < ratio[0]:
        cp = (int(w / ratio[0]), w)
    elif w / h > ratio[1]:
        cp = (h, int(h * ratio[1]))
    else:
        cp = (h, w)
    if split == "valid":
        cp = (int(cp[0] * valid_scale), int(cp[1] * valid_scale))
    return (h - cp[0]) // 2, (w - cp[1]) // 2, cp[0], cp[1]


def crop_matrix(box, h, w, align_corners):
    top, left, ch, cw = box

    def axis(start, length, size):
        # Normalized positions of the first and last sampled points, as grid_sample reads them.
        if align_corners:
            if size == 1:
                return 1.0, 0.0
            first, last = -1 + 2 * start / (size - 1), -1 + 2 * (start + length - 1) / (size - 1)
        else:
            first, last = -1 + 2 * start / size, -1 + 2 * (start + length) / size
        return (last - first) / 2, (last + first) / 2

    sx, tx = axis(left, cw, w)
    sy, ty = axis(top, ch, h)
    return torch.tensor([[sx, 0, tx], [0, sy, ty], [0, 0, 1]], dtype=F64)


def prepare_mat(mat, h, w):
    mat = mat.clone()
    mat[:, 0, 1] *= h / w
    mat[:, 1, 0] *= w / h
    return mat


def pieces(mult=1.0, do_flip=True, flip_vert=False, max_rotate=10.0, min_zoom=1.0, max_zoom=1.1,
           max_lighting=0.2, max_warp=0.2, p_affine=0.75, p_lighting=0.75, size=None, align_corners=True,
           batch=False, min_scale=1.0, **_):
    """aug_transforms' list of pieces, in its order (crop appended like xtra_tfms)."""
    max_rotate, max_lighting, max_warp = max_rotate * mult, max_lighting * mult, max_warp * mult
    res = []
    if do_flip:
        res.append(("dihedral" if flip_vert else "flip", dict(p=0.5)))
    if max_warp:
        res.append(("warp", dict(magnitude=max_warp, p=p_affine)))
    if max_rotate:
        res.append(("rotate", dict(max_deg=max_rotate, p=p_affine)))
    if min_zoom < 1 or max_zoom > 1:
        res.append(("zoom", dict(min_zoom=min_zoom, max_zoom=max_zoom, p=p_affine)))
    if max_lighting:
        res.append(("brightness", dict(max_lighting=max_lighting, p=p_lighting)))
        res.append(("contrast", dict(max_lighting=max_lighting, p=p_lighting)))
    if min_scale != 1.0:
        res.append(("crop", dict(min_scale=min_scale, ratio=(1, 1))))
    return res


def size_pair(size, h, w):
    if size is None:
        return h, w
    return (size, size) if isinstance(size, int) else tuple(size)


def draw(opts, n, h, w, split, u):
    align = opts.get("align_corners", True)
    batch = opts.get("batch", False)
    ps = pieces(**opts)
    crop_piece = next((kw for kind, kw in ps if kind == "crop"), None)
    stage = size_pair(None if crop_piece else opts.get("size"), h, w)
    out_size = size_pair(opts["size"], h, w) if crop_piece else stage
    result = {"size": list(out_size)}
    if split == "valid":
        if crop_piece:
            box = rrc_box(u, stage[0], stage[1], crop_piece["min_scale"], crop_piece["ratio"], "valid")
            result["affine"] = crop_matrix(box, stage[0], stage[1], align).expand(n, 3, 3)
        return result
    mat = torch.eye(3, dtype=F64).expand(n, 3, 3)
    crop = torch.eye(3, dtype=F64)
    for kind, kw in ps:
        if kind == "flip":
            mat = mat @ flip_mat(u, n, kw["p"], batch)
        elif kind == "dihedral":
            mat = mat @ dihedral_mat(u, n, kw["p"], batch)
        elif kind == "rotate":
            mat = mat @ rotate_mat(u, n, kw["max_deg"], kw["p"], batch)
        elif kind == "zoom":
            mat = mat @ zoom_mat(u, n, kw["min_zoom"], kw["max_zoom"], kw["p"], batch)
        elif kind == "warp":
            result["warp"] = warp_coeffs(u, n, kw["magnitude"], kw["p"], batch)
        elif kind == "brightness":
            result["brightness"] = brightness(u, n, kw["max_lighting"], kw["p"], batch)
        elif kind == "contrast":
            result["contrast"] = contrast(u, n, kw["max_lighting"], kw["p"], batch)
        elif kind == "crop":
            box = rrc_box(u, stage[0], stage[1], kw["min_scale"], kw["ratio"], "train")
            crop = crop_matrix(box, stage[0], stage[1], align)
    result["affine"] = prepare_mat(mat, h, w) @ crop
    return result


def camel(name):
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


SCENARIOS = [
    ("default", dict(), 6, 48, 64, "train"),
    ("sized", dict(size=32, max_rotate=30.0, min_zoom=0.8, max_zoom=1.5, p_affine=0.6, p_lighting=0.4), 6, 40, 40, "train"),
    ("dihedral", dict(flip_vert=True, mult=2.0, max_warp=0.3), 8, 30, 50, "train"),
    ("batch", dict(batch=True), 5, 48, 64, "train"),
    ("certain", dict(p_affine=1.0, p_lighting=1.0, max_zoom=1.3), 4, 64, 48, "train"),
    ("geometry_only", dict(do_flip=False, max_lighting=0.0, max_warp=0.0), 5, 36, 36, "train"),
    ("crop", dict(size=24, min_scale=0.5), 4, 48, 64, "train"),
    ("crop_valid", dict(size=24, min_scale=0.5), 4, 48, 64, "valid"),
    ("crop_fallback", dict(size=16, min_scale=0.9), 3, 20, 200, "train"),
    ("crop_edges", dict(size=(20, 30), min_scale=0.6, align_corners=False), 3, 50, 40, "train"),
    ("resize_valid", dict(size=32), 3, 48, 64, "valid"),
]


def main():
    out = out_dir()
    tensors, scenarios = {}, []
    for i, (name, opts, n, h, w, split) in enumerate(SCENARIOS):
        u = Uniforms(seed=100 + i)
        result = draw(opts, n, h, w, split, u)
        tensors[f"{name}.uniforms"] = u.values[: u.used].clone()
        for key in ("affine", "warp", "brightness", "contrast"):
            if key in result:
                tensors[f"{name}.{key}"] = result[key].to(torch.float32)
        options = {camel(k): (list(v) if isinstance(v, tuple) else v) for k, v in opts.items()}
        scenarios.append(dict(name=name, options=options, n=n, height=h, width=w, split=split, size=result["size"],
                              fields=[k for k in ("affine", "warp", "brightness", "contrast") if k in result]))
    write_safetensors(os.path.join(out, "geometry.safetensors"), tensors,
                      {"scenarios": scenarios, "versions": versions(), "atol": 1e-6})


main()
