"""LR finder on fixed loss curves (spec §6, §7.1, §14.5): the learning-rate sequence, the smoothed
losses as recorded, where the sweep stops, and the four suggestions with their plotted points.

The loss of training step i is fixed in advance (a curve per case), so the TypeScript test can
play it back through a scripted model and compare everything the Learner records and returns.
Curves too short for a suggestion give NaN (the port's documented rule where fastai would raise).
"""
import math
import os

import numpy as np
import torch

from common import out_dir, write_safetensors

BETA = 0.98
NAN = float("nan")


def sweep(raw, start_lr, end_lr, num_it, stop_div, n_batches):
    """Plays the curve through the finder: returns recorded lrs and smoothed losses (float32)."""
    num_it = max(num_it, 6)
    n_epochs = num_it // n_batches + 1
    avg = torch.tensor(0.0)
    best = float("inf")
    lrs, smooth = [], []
    step = 0
    for _ in range(n_epochs):
        for _ in range(n_batches):
            lrs.append(start_lr * (end_lr / start_lr) ** (step / num_it))
            avg = torch.lerp(torch.tensor(raw[step], dtype=torch.float32), avg, BETA)
            value = avg / (1 - BETA ** (step + 1))
            smooth.append(value)
            step += 1
            if value < best:
                best = value
            if (stop_div and value > 4 * best) or step >= num_it:
                return lrs, smooth
    return lrs, smooth


def usable(lrs, smooth, num_it):
    """Drop the first num_it//10 and last 5 points, cut at the first NaN; float32 tensors."""
    first = max(num_it, 6) // 10
    x = torch.tensor(lrs[first:-5], dtype=torch.float32)
    y = torch.tensor([float(v) for v in smooth[first:-5]], dtype=torch.float32)
    nans = torch.nonzero(torch.isnan(y)).flatten()
    if len(nans):
        x, y = x[: nans[0]], y[: nans[0]]
    return x, y


def valley(x, y):
    n = len(y)
    if n == 0:
        return NAN, (NAN, NAN)
    run = [1] * n  # longest strictly decreasing subsequence ending at i
    for i in range(n):
        for j in range(i):
            if y[i] < y[j]:
                run[i] = max(run[i], run[j] + 1)
    longest = max(run)
    end = run.index(longest)
    start = end - longest
    third = (end - start) / 3
    k = start + int(third) + int(third / 2)
    return float(x[k]), (float(x[k]), float(y[k]))


def slide(x, y, lr_diff=15, thresh=0.005):
    n = len(y)
    if n < lr_diff + 1:
        return NAN, (NAN, NAN)
    grad = np.gradient(y.numpy())
    right, left = n - 1, n - 1 - lr_diff
    pick = x[left]
    while left >= 0 and abs(grad[right] - grad[left]) > thresh:
        pick = x[left]
        right, left = right - 1, left - 1
    lr = float(pick)
    return lr, (lr, float(np.interp(np.log10(lr), np.log10(x.numpy()), y.numpy())))


def minimum(x, y):
    if len(y) == 0:
        return NAN, (NAN, NAN)
    k = int(torch.argmin(y))
    return float(x[k]) / 10, (float(x[k]), float(y[k]))


def steep(x, y):
    if len(y) < 2:
        return NAN, (NAN, NAN)
    slopes = (y[1:] - y[:-1]) / (x[1:].log() - x[:-1].log())
    k = int(torch.argmin(slopes))
    return float(x[k]), (float(x[k]), float(y[k]))


def u_curve(n, start_lr, end_lr, num_it, seed, noise=0.03):
    """Falls from ~2.3 to ~0.8 around lr 1e-4..1e-2, then climbs steeply; with noise."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(n):
        x = math.log10(start_lr * (end_lr / start_lr) ** (i / max(num_it, 6)))
        loss = 0.8 + 1.5 / (1 + math.exp(2.2 * (x + 3.5))) + 60.0 * max(0.0, x + 2.0) ** 2
        out.append(loss + noise * torch.randn(1, generator=g).item())
    return out


CASES = []


def case(name, raw, num_it=100, start_lr=1e-7, end_lr=10.0, stop_div=True, n_batches=12):
    CASES.append(dict(name=name, raw=raw, num_it=num_it, start_lr=start_lr, end_lr=end_lr, stop_div=stop_div, n_batches=n_batches))


case("typical", u_curve(110, 1e-7, 10, 100, seed=1))
case("no_stop", u_curve(110, 1e-7, 10, 100, seed=1), stop_div=False)
nan_curve = u_curve(110, 1e-7, 10, 100, seed=2)
nan_curve[70:] = [NAN] * (len(nan_curve) - 70)
case("nan_from_70", nan_curve)
case("short", u_curve(20, 1e-7, 10, 10, seed=3), num_it=10, n_batches=4, stop_div=False)
case("clamped_to_6", [2.0, 1.9, 1.7, 1.8, 1.6, 1.65, 1.5], num_it=3, n_batches=2)
case("early_divergence", [2.0] * 12 + [50.0] * 20, n_batches=5)
inf_curve = u_curve(110, 1e-7, 10, 100, seed=4)
inf_curve[50:] = [float("inf")] * (len(inf_curve) - 50)
case("inf_at_50", inf_curve, n_batches=7)
case("wide", u_curve(160, 1e-6, 1.0, 150, seed=5), num_it=150, start_lr=1e-6, end_lr=1.0, n_batches=40)

out = out_dir()
tensors = {}
meta = []
for c in CASES:
    lrs, smooth = sweep(c["raw"], c["start_lr"], c["end_lr"], c["num_it"], c["stop_div"], c["n_batches"])
    x, y = usable(lrs, smooth, c["num_it"])
    results = [f(x, y) for f in (valley, slide, minimum, steep)]
    name = c["name"]
    tensors[f"{name}.raw"] = torch.tensor(c["raw"], dtype=torch.float32)
    tensors[f"{name}.lrs"] = torch.tensor(lrs, dtype=torch.float64)
    tensors[f"{name}.smooth"] = torch.stack(smooth).to(torch.float32)
    tensors[f"{name}.suggestions"] = torch.tensor([r[0] for r in results], dtype=torch.float64)
    tensors[f"{name}.points"] = torch.tensor([list(r[1]) for r in results], dtype=torch.float64)
    meta.append({k: v for k, v in c.items() if k != "raw"})

write_safetensors(
    os.path.join(out, "lr_find.safetensors"),
    tensors,
    {"cases": meta, "suggestions": ["valley", "slide", "minimum", "steep"], "torch": torch.__version__},
)
