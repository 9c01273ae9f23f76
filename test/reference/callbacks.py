"""References for the training callbacks that decide from numbers alone.

ReduceLROnPlateau: PyTorch's own torch.optim.lr_scheduler.ReduceLROnPlateau on recorded validation
losses, configured to fastai's rule (fastai/callback/tracker.py): fastai divides by `factor` once
`wait >= patience` epochs passed without `value + min_delta < best`, then restarts the wait, which is
PyTorch's mode 'min', threshold_mode 'abs', threshold min_delta, factor 1/factor, patience
patience - 1, no cooldown, min_lr, eps 0. The learning rates of three groups after every epoch are
recorded.

CSVLogger writes `str(value)` of Python floats (fastai/callback/progress.py); the strings Python
prints for a set of values are recorded.
"""
import json
import math
import os

import torch

from common import out_dir

out = out_dir()
g = torch.Generator().manual_seed(3)


def sequence(n, kind):
    if kind == "walk":  # noisy decrease that stalls
        x = (1.0 + torch.cumsum(torch.randn(n, generator=g, dtype=torch.float64) * 0.05 - 0.01, 0)).tolist()
    elif kind == "plateau":  # drops, then flat within noise, then drops again
        x = [1.0, 0.8, 0.7, 0.7, 0.71, 0.705, 0.69, 0.5, 0.5, 0.52, 0.51, 0.49, 0.49, 0.6, 0.61, 0.3][:n]
    else:  # with NaN epochs
        x = [0.9, float("nan"), 0.8, float("nan"), float("nan"), 0.85, 0.7, 0.72, 0.73, 0.74, 0.2, 0.25]
    return x


CONFIGS = [
    {"patience": 1, "factor": 10.0, "minLr": 0.0, "minDelta": 0.0},
    {"patience": 2, "factor": 2.0, "minLr": 0.0, "minDelta": 0.0},
    {"patience": 1, "factor": 10.0, "minLr": 5e-5, "minDelta": 0.0},
    {"patience": 3, "factor": 5.0, "minLr": 0.0, "minDelta": 0.015},
]
LRS = [1e-4, 1e-3, 1e-2]

cases = []
for kind, n in (("walk", 40), ("plateau", 16), ("nan", 12)):
    losses = sequence(n, kind)
    for config in CONFIGS:
        params = [torch.nn.Parameter(torch.zeros(1)) for _ in LRS]
        opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, LRS)], lr=LRS[0])
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, mode="min", factor=1 / config["factor"], patience=config["patience"] - 1, threshold=config["minDelta"],
            threshold_mode="abs", cooldown=0, min_lr=config["minLr"], eps=0)
        lrs = []
        for loss in losses:
            sched.step(loss)
            lrs.append([group["lr"] for group in opt.param_groups])
        cases.append({"kind": kind, "config": config, "losses": [None if math.isnan(v) else v for v in losses], "lrs": lrs})

values = [0.0, 1.0, -2.5, 0.1, 1 / 3, 2 / 3, 1e-4, 1.5e-5, 0.000123, 123456.789, 1e15, 1e16, 1.234e17, 3e-310,
          0.6931471805599453, float("nan"), float("inf"), -float("inf"), float(torch.tensor(0.123456789, dtype=torch.float32))]
floats = [{"value": None if math.isnan(v) or math.isinf(v) else v, "special": repr(v) if math.isnan(v) or math.isinf(v) else None,
           "text": str(v)} for v in values]

with open(os.path.join(out, "callbacks.json"), "w") as f:
    json.dump({"initialLrs": LRS, "reduceLrOnPlateau": cases, "pythonFloats": floats}, f, indent=1)
