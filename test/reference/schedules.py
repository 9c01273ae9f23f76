"""Per-batch learning rates and momentums of fit_one_cycle, fine_tune and fit_flat_cos.

Computed the way fastai computes them (spec §3.4, §4, §5, §14.3): the training position is
accumulated batch by batch in float64 and re-based at each epoch; phase boundaries and the in-phase
position are torch float32 tensors; the cosine itself is float64. The case list lives here only:
the TypeScript test reads it from the fixture metadata and replays each case through the Learner.
"""
import math
import os

import torch

from common import out_dir, write_safetensors

N_GROUPS = 3
DEFAULT_MOMS = (0.95, 0.85, 0.95)


def cos_anneal(a, b, p):
    return a + (1 + math.cos(math.pi * (1 - p))) * (b - a) / 2


def phased(fracs, fns):
    """Phase i covers fracs[i] of training; boundaries and in-phase position in float32."""
    assert sum(fracs) == 1.0
    bounds = torch.cumsum(torch.tensor([0.0] + list(fracs), dtype=torch.float32), 0)
    last = len(fns) - 1

    def at(pos):
        i = min(int(torch.nonzero(pos >= bounds).max()), last)
        inner = (pos - bounds[i]) / (bounds[i + 1] - bounds[i])
        return fns[i](inner.item())

    return at


def two_phase_cos(pct, a, b, c):
    return phased([pct, 1 - pct], [lambda p: cos_anneal(a, b, p), lambda p: cos_anneal(b, c, p)])


def per_group(lr):
    """A scalar, ('slice', hi), ('slice', lo, hi) or a list, spread over the groups (§3.4)."""
    if isinstance(lr, list):
        return list(lr)
    if isinstance(lr, tuple):
        if len(lr) == 3 and lr[1]:
            lo, hi = lr[1], lr[2]
            ratio = (hi / lo) ** (1 / (N_GROUPS - 1))
            return [lo * ratio**g for g in range(N_GROUPS)]
        hi = lr[-1]
        return [hi / 10] * (N_GROUPS - 1) + [hi]
    return [lr] * N_GROUPS


def positions(n_batches, n_epochs, start_epoch=0):
    """Training position before each batch, as the train/eval counters accumulate it."""
    out = []
    for epoch in range(start_epoch, n_epochs):
        pos = epoch / n_epochs
        for _ in range(n_batches):
            out.append(pos)
            pos += 1.0 / (n_batches * n_epochs)
    return out


def one_cycle(n_batches, n_epochs, lr, div=25.0, div_final=1e5, pct=0.25, moms=DEFAULT_MOMS, start_epoch=0):
    peaks = per_group(lr)
    lr_scheds = [two_phase_cos(pct, p / div, p, p / div_final) for p in peaks]
    mom_sched = two_phase_cos(pct, *moms)
    pos = positions(n_batches, n_epochs, start_epoch)
    lrs = [[s(x) for s in lr_scheds] for x in pos]
    return lrs, [mom_sched(x) for x in pos]


def flat_cos(n_batches, n_epochs, lr, div_final=1e5, pct=0.75):
    peaks = per_group(lr)
    scheds = [two_phase_cos(pct, p, p, p / div_final) for p in peaks]
    pos = positions(n_batches, n_epochs)
    # Momentum is not scheduled: a fresh Adam keeps its 0.9.
    return [[s(x) for s in scheds] for x in pos], [0.9] * len(pos)


def fine_tune(n_batches, epochs, base_lr=2e-3, freeze_epochs=1, lr_mult=100, pct=0.3, div=5.0):
    lrs1, moms1 = one_cycle(n_batches, freeze_epochs, ("slice", base_lr), pct=0.99)
    base_lr /= 2
    lrs2, moms2 = one_cycle(n_batches, epochs, ("slice", base_lr / lr_mult, base_lr), pct=pct, div=div)
    return lrs1 + lrs2, moms1 + moms2, len(lrs1)


def lr_json(lr):
    if isinstance(lr, list):
        return {"list": lr}
    if isinstance(lr, tuple):
        return {"slice": list(lr[1:])}
    return {"scalar": lr}


ONE_CYCLE = [
    dict(name="oc_spec_example", n_batches=5, n_epochs=4, lr=1e-2),
    dict(name="oc_slice_hi", n_batches=7, n_epochs=3, lr=("slice", 3e-3), pct=0.3),
    dict(name="oc_slice_lo_hi", n_batches=10, n_epochs=2, lr=("slice", 1e-6, 1e-4)),
    dict(name="oc_list", n_batches=3, n_epochs=5, lr=[1e-4, 5e-4, 2e-3], pct=0.5, div=10.0, div_final=1e4, moms=(0.9, 0.8, 0.9)),
    dict(name="oc_one_batch", n_batches=1, n_epochs=3, lr=3e-3, pct=0.99),
    dict(name="oc_99_steps", n_batches=33, n_epochs=3, lr=("slice", 1e-5, 1e-3), pct=0.3),
    dict(name="oc_pct_zero", n_batches=4, n_epochs=1, lr=1e-3, pct=0.0),
    dict(name="oc_start_epoch", n_batches=4, n_epochs=3, lr=2e-3, start_epoch=1),
    # 0.1+0.1+0.1 is below float32(0.3) in float64 but equal to it in float32: peak one step earlier.
    dict(name="oc_f32_boundary", n_batches=10, n_epochs=1, lr=1e-2, pct=0.3),
]
FINE_TUNE = [
    dict(name="ft_defaults", n_batches=6, epochs=2),
    dict(name="ft_custom", n_batches=4, epochs=3, base_lr=1e-3, freeze_epochs=2, lr_mult=10, pct=0.25, div=10.0),
]
FLAT_COS = [
    dict(name="fc_defaults", n_batches=8, n_epochs=2, lr=1e-3),
    dict(name="fc_slice", n_batches=5, n_epochs=3, lr=("slice", 1e-4, 1e-2), pct=0.5, div_final=1e4),
]

out = out_dir()
tensors = {}
cases = []
for c in ONE_CYCLE:
    args = {k: v for k, v in c.items() if k != "name"}
    lrs, moms = one_cycle(**args)
    tensors[c["name"] + ".lr"] = torch.tensor(lrs, dtype=torch.float64)
    tensors[c["name"] + ".mom"] = torch.tensor(moms, dtype=torch.float64)
    cases.append({**c, "kind": "fitOneCycle", "lr": lr_json(c["lr"])})
for c in FINE_TUNE:
    args = {k: v for k, v in c.items() if k != "name"}
    lrs, moms, n_frozen = fine_tune(**args)
    tensors[c["name"] + ".lr"] = torch.tensor(lrs, dtype=torch.float64)
    tensors[c["name"] + ".mom"] = torch.tensor(moms, dtype=torch.float64)
    cases.append({**c, "kind": "fineTune", "frozen_steps": n_frozen})
for c in FLAT_COS:
    args = {k: v for k, v in c.items() if k != "name"}
    lrs, moms = flat_cos(**args)
    tensors[c["name"] + ".lr"] = torch.tensor(lrs, dtype=torch.float64)
    tensors[c["name"] + ".mom"] = torch.tensor(moms, dtype=torch.float64)
    cases.append({**c, "kind": "fitFlatCos", "lr": lr_json(c["lr"])})

write_safetensors(os.path.join(out, "schedules.safetensors"), tensors, {"cases": cases, "n_groups": N_GROUPS, "torch": torch.__version__})
