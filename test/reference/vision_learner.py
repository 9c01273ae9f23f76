"""fastai's transfer-learning recipe run end to end in plain PyTorch (spec 14): the reference for
visionLearner on a small fixed problem.

The model is fastai's ResNet-34 learner model (spec 14.1) with seeded random weights, saved with
torch.save as the "pretrained" weights the TypeScript side loads through visionLearner. The data is
a fixed three-class problem (coloured noise, 64 px, batches of 4, three training and two validation
batches, never shuffled). The replica Learner follows spec 14.2-14.5 and reproduces the port's
bookkeeping (float32 smoothed loss, batch-size weighted validation loss and error rate):

* run "one_cycle": visionLearner freezes; fit_one_cycle(2, 3e-3); unfreeze;
  fit_one_cycle(2, slice(1e-5, 1e-3)).
* run "fine_tune": fine_tune(2) (frozen epoch at slice(2e-3), pct 0.99; unfrozen at
  slice(1e-5, 1e-3), pct 0.3, div 5).
* "lr_find": lr_find() on the frozen model: lrs, smoothed losses, stop point, suggestions.
* "augment": one batch augmented the way fastai's batch transforms do it (affine, warp, lighting;
  and a resize-only validation batch), then normalized: eval logits, a train step's loss, weights
  and BatchNorm statistics.

Dropout: every run seeds the global generator with DROP_SEED right before its first training step;
the tests call learn.model.seed(DROP_SEED) at the same point (the native model draws its masks as
PyTorch's CPU dropout does).
"""
import copy
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from common import deterministic, out_dir, versions, write_safetensors
from fastai_resnet import MEAN, STD, resnet34_with_head

N_OUT = 3
SIZE = 64
BS = 4
N_TRAIN = 3 * BS
N_VALID = 2 * BS
DROP_SEED = 4321
BETA = 0.98
COLOURS = torch.tensor([[190.0, 80.0, 70.0], [80.0, 180.0, 90.0], [80.0, 90.0, 190.0]])
NAN = float("nan")

out = out_dir()
deterministic(0)


def f32(x):
    return float(np.float32(x))


# ---- model (spec 14.1) --------------------------------------------------------------------------

def build():
    resnet, body, head = resnet34_with_head(N_OUT)
    with torch.no_grad():  # statistics of a "pretrained" body, not of a fresh init
        for m in resnet.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.8, 1.2)
                m.bias.uniform_(-0.1, 0.1)
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.num_batches_tracked.fill_(7)
    return nn.Sequential(body, head)


def is_norm_param(model, name):
    return isinstance(model.get_submodule(name.rsplit(".", 1)[0]), (nn.BatchNorm1d, nn.BatchNorm2d))


def group_of(name):
    if name.startswith("1."):
        return 2
    return 0 if int(name.split(".")[1]) < 6 else 1


def preprocess(x):
    """float [0, 1] NCHW -> normalized."""
    return (x - MEAN) / STD


def to_float(images):
    return images.permute(0, 3, 1, 2).contiguous().float().div(255)


# ---- data ---------------------------------------------------------------------------------------

def make_split(n, g):
    labels = torch.arange(n) % N_OUT
    labels = labels[torch.randperm(n, generator=g)]
    noise = torch.randn(n, SIZE, SIZE, 3, generator=g) * 55
    images = (COLOURS[labels].view(n, 1, 1, 3) + noise).round().clamp(0, 255).to(torch.uint8)
    return [(images[i:i + BS], labels[i:i + BS]) for i in range(0, n, BS)]


# ---- schedules (as test/reference/schedules.py: float32 boundaries, float64 cosine) ----------

def cos_anneal(a, b, p):
    return a + (1 + math.cos(math.pi * (1 - p))) * (b - a) / 2


def two_phase_cos(pct, a, b, c):
    bounds = torch.cumsum(torch.tensor([0.0, pct, 1 - pct], dtype=torch.float32), 0)
    fns = [lambda p: cos_anneal(a, b, p), lambda p: cos_anneal(b, c, p)]

    def at(pos):
        i = min(int(torch.nonzero(pos >= bounds).max()), 1)
        inner = (pos - bounds[i]) / (bounds[i + 1] - bounds[i])
        return fns[i](inner.item())

    return at


def spread(lr):
    """A number, ('slice', hi) or ('slice', lo, hi) over the three groups (spec 3.4)."""
    if isinstance(lr, tuple):
        if len(lr) == 3:
            lo, hi = lr[1], lr[2]
            step = (hi / lo) ** (1 / 2)
            return [lo * step**g for g in range(3)]
        return [lr[1] / 10, lr[1] / 10, lr[1]]
    return [lr] * 3


# ---- the replica Learner (spec 14.2-14.5) -------------------------------------------------------

class Replica:
    def __init__(self, model, train, valid):
        self.model = model
        self.train_dl, self.valid_dl = train, valid
        self.hypers = None
        self.set_frozen(True)  # vision_learner with pretrained weights

    def set_frozen(self, frozen):
        for name, p in self.model.named_parameters():
            p.requires_grad_(not frozen or group_of(name) == 2 or is_norm_param(self.model, name))
        groups = []
        for g in range(3):
            for decay in (True, False):
                params = [p for n, p in self.model.named_parameters() if group_of(n) == g and decay ==
                          (not is_norm_param(self.model, n) and not n.endswith("bias"))]
                groups.append({"params": params, "fastai_group": g, "decay": decay})
        self.opt = torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01)

    def ensure_hypers(self):
        if self.hypers is None:
            self.hypers = [dict(lr=1e-3, mom=0.9, sqr_mom=0.99, eps=1e-5, wd=0.01) for _ in range(3)]

    def train_step(self, images, labels):
        self.model.train()
        loss = F.cross_entropy(self.model(preprocess(to_float(images))), labels)
        loss.backward()
        for tg in self.opt.param_groups:
            h = self.hypers[tg["fastai_group"]]
            tg["lr"], tg["betas"], tg["eps"] = h["lr"], (h["mom"], h["sqr_mom"]), h["eps"]
            tg["weight_decay"] = h["wd"] if tg["decay"] else 0.0
        self.opt.step()
        self.opt.zero_grad(set_to_none=False)
        return loss.item()

    def validate(self):
        self.model.eval()
        total, errors, count = 0.0, 0.0, 0
        with torch.no_grad():
            for images, labels in self.valid_dl:
                logits = self.model(preprocess(to_float(images)))
                bs = len(labels)
                loss = F.cross_entropy(logits, labels).item()
                error = f32(1 - f32(int((logits.argmax(1) == labels).sum()) / bs))
                total = f32(total + f32(f32(loss) * bs))
                errors = f32(errors + f32(error * bs))
                count += bs
        return [f32(total / count), f32(errors / count)]

    def fit(self, n_epoch, before_batch, after_batch=None, validate=True):
        """The loop: hyper-parameters set before each training batch, smoothed loss after it."""
        self.ensure_hypers()
        avg, count = torch.tensor(0.0), 0
        rec = dict(losses=[], smooth=[], lrs=[], moms=[], values=[])
        n = len(self.train_dl)
        step = 0
        for epoch in range(n_epoch):
            pos = epoch / n_epoch
            for images, labels in self.train_dl:
                before_batch(pos, step)
                loss = self.train_step(images, labels)
                avg = torch.lerp(torch.tensor(loss, dtype=torch.float32), avg, BETA)
                count += 1
                smooth = float(avg / (1 - BETA**count))
                rec["losses"].append(loss)
                rec["smooth"].append(smooth)
                rec["lrs"].append(self.hypers[2]["lr"])
                rec["moms"].append(self.hypers[2]["mom"])
                pos += 1.0 / (n * n_epoch)
                step += 1
                if after_batch and after_batch(step, smooth):
                    return rec
            if validate:
                rec["values"].append([rec["smooth"][-1]] + self.validate())
        return rec

    def fit_one_cycle(self, n_epoch, lr_max, div=25.0, div_final=1e5, pct=0.25, moms=(0.95, 0.85, 0.95)):
        peaks = spread(lr_max)
        lr_scheds = [two_phase_cos(pct, p / div, p, p / div_final) for p in peaks]
        mom_sched = two_phase_cos(pct, *moms)

        def before_batch(pos, _):
            for g, h in enumerate(self.hypers):
                h["lr"], h["mom"] = lr_scheds[g](pos), mom_sched(pos)

        return self.fit(n_epoch, before_batch)

    def fine_tune(self, epochs, base_lr=2e-3):
        self.set_frozen(True)
        frozen = self.fit_one_cycle(1, ("slice", base_lr), pct=0.99)
        base_lr /= 2
        self.set_frozen(False)
        unfrozen = self.fit_one_cycle(epochs, ("slice", base_lr / 100, base_lr), pct=0.3, div=5.0)
        return frozen, unfrozen

    def lr_find(self, start_lr=1e-7, end_lr=10.0, num_it=100):
        model_state = copy.deepcopy(self.model.state_dict())
        opt_state = copy.deepcopy(self.opt.state_dict())
        self.ensure_hypers()
        saved_hypers = copy.deepcopy(self.hypers)
        best = [math.inf]

        def before_batch(_, step):
            for h in self.hypers:
                h["lr"] = start_lr * (end_lr / start_lr) ** (step / num_it)

        def after_batch(step, smooth):
            best[0] = min(best[0], smooth)
            return smooth > 4 * best[0] or step >= num_it

        rec = self.fit(num_it // len(self.train_dl) + 1, before_batch, after_batch, validate=False)
        self.model.load_state_dict(model_state)
        self.opt.load_state_dict(opt_state)
        self.hypers = saved_hypers
        return rec


# ---- LR-finder suggestions (as test/reference/lr_find.py) ------------------------------------

def usable(lrs, smooth, num_it):
    first = max(num_it, 6) // 10
    x = torch.tensor(lrs[first:-5], dtype=torch.float32)
    y = torch.tensor(smooth[first:-5], dtype=torch.float32)
    nans = torch.nonzero(torch.isnan(y)).flatten()
    if len(nans):
        x, y = x[: nans[0]], y[: nans[0]]
    return x, y


def valley(x, y):
    n = len(y)
    if n == 0:
        return NAN
    run = [1] * n
    for i in range(n):
        for j in range(i):
            if y[i] < y[j]:
                run[i] = max(run[i], run[j] + 1)
    longest = max(run)
    end = run.index(longest)
    start = end - longest
    third = (end - start) / 3
    return float(x[start + int(third) + int(third / 2)])


def slide(x, y, lr_diff=15, thresh=0.005):
    n = len(y)
    if n < lr_diff + 1:
        return NAN
    grad = np.gradient(y.numpy())
    right, left = n - 1, n - 1 - lr_diff
    pick = x[left]
    while left >= 0 and abs(grad[right] - grad[left]) > thresh:
        pick = x[left]
        right, left = right - 1, left - 1
    return float(pick)


def minimum(x, y):
    return NAN if len(y) == 0 else float(x[int(torch.argmin(y))]) / 10


def steep(x, y):
    if len(y) < 2:
        return NAN
    slopes = (y[1:] - y[:-1]) / (x[1:].log() - x[:-1].log())
    return float(x[int(torch.argmin(slopes))])


# ---- batch augmentation as fastai's batch transforms do it (as test/reference/augment_pixels.py)

def logit(x):
    x = x.clamp(1e-7, 1 - 1e-7)
    return -(1 / x - 1).log()


def apply_perspective(coords, coeffs):
    sz = coords.shape
    coords = coords.view(sz[0], -1, 2)
    coeffs = torch.cat([coeffs, torch.ones_like(coeffs[:, :1])], dim=1).view(coeffs.shape[0], 3, 3)
    coords1 = coords @ coeffs[..., :2].transpose(1, 2) + coeffs[..., 2].unsqueeze(1)
    coords = coords1 / coords1[..., 2].unsqueeze(-1)
    return coords[..., :2].view(*sz)


def augment(x, size, affine=None, warp=None, brightness=None, contrast=None):
    n, c = x.shape[:2]
    mat = affine if affine is not None else torch.eye(3).expand(n, 3, 3)
    coords = F.affine_grid(mat[:, :2], (n, c) + tuple(size), align_corners=True)
    if warp is not None:
        coords = apply_perspective(coords, warp)
    x = F.grid_sample(x, coords, mode="bilinear", padding_mode="reflection", align_corners=True)
    if brightness is not None:
        x = torch.sigmoid((logit(x) + brightness[:, None, None, None]) * contrast[:, None, None, None])
    return x


def rand(*shape, low=-1.0, high=1.0):
    return low + torch.rand(*shape) * (high - low)


def affines(n, h, w):
    """Random flip, rotation and zoom, corrected for the aspect ratio like fastai's."""
    mats = []
    for _ in range(n):
        sign = -1.0 if torch.rand(()) < 0.5 else 1.0
        t = math.radians(rand((), low=-15.0, high=15.0).item())
        s = 1 / rand((), low=1.0, high=1.2).item()
        cx, cy = (1 - s) * rand(()).item(), (1 - s) * rand(()).item()
        m = torch.tensor([[sign, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=torch.float64)
        m = m @ torch.tensor([[math.cos(t), math.sin(t), 0], [-math.sin(t), math.cos(t), 0], [0, 0, 1]], dtype=torch.float64)
        m = m @ torch.tensor([[s, 0, cx], [0, s, cy], [0, 0, 1]], dtype=torch.float64)
        m[0, 1] *= h / w
        m[1, 0] *= w / h
        mats.append(m)
    return torch.stack(mats).float()


# ---- the runs -----------------------------------------------------------------------------------

g = torch.Generator().manual_seed(7)
train = make_split(N_TRAIN, g)
valid = make_split(N_VALID, g)
initial = build()
weights_path = os.path.join(out, "pretrained.pth")
torch.save(initial.state_dict(), weights_path)

data = {}
for i, (images, labels) in enumerate(train):
    data[f"train{i}.images"], data[f"train{i}.labels"] = images, labels.int()
for i, (images, labels) in enumerate(valid):
    data[f"valid{i}.images"], data[f"valid{i}.labels"] = images, labels.int()
write_safetensors(os.path.join(out, "data.safetensors"), data,
                  {"nTrain": len(train), "nValid": len(valid), "nOut": N_OUT, "dropSeed": DROP_SEED, "versions": versions()})


def record(prefix, rec, tensors):
    tensors[f"{prefix}.losses"] = torch.tensor(rec["losses"], dtype=torch.float64)
    tensors[f"{prefix}.smooth"] = torch.tensor(rec["smooth"], dtype=torch.float64)
    tensors[f"{prefix}.lrs"] = torch.tensor(rec["lrs"], dtype=torch.float64)
    tensors[f"{prefix}.moms"] = torch.tensor(rec["moms"], dtype=torch.float64)
    if rec["values"]:
        tensors[f"{prefix}.values"] = torch.tensor(rec["values"], dtype=torch.float64)


def final_state(model, tensors):
    for name, t in model.state_dict().items():
        tensors[f"final.{name}"] = t


# fit_one_cycle frozen, unfreeze, fit_one_cycle with discriminative learning rates.
learn = Replica(copy.deepcopy(initial), train, valid)
torch.manual_seed(DROP_SEED)
tensors = {}
record("frozen", learn.fit_one_cycle(2, 3e-3), tensors)
learn.set_frozen(False)
record("unfrozen", learn.fit_one_cycle(2, ("slice", 1e-5, 1e-3)), tensors)
final_state(learn.model, tensors)
write_safetensors(os.path.join(out, "one_cycle.safetensors"), tensors,
                  {"frozen": {"epochs": 2, "lrMax": 3e-3}, "unfrozen": {"epochs": 2, "lrMax": [1e-5, 1e-3]}})

# fine_tune, both phases.
learn = Replica(copy.deepcopy(initial), train, valid)
torch.manual_seed(DROP_SEED)
tensors = {}
frozen, unfrozen = learn.fine_tune(2)
record("frozen", frozen, tensors)
record("unfrozen", unfrozen, tensors)
final_state(learn.model, tensors)
write_safetensors(os.path.join(out, "fine_tune.safetensors"), tensors, {"epochs": 2, "baseLr": 2e-3})

# lr_find on the frozen model.
learn = Replica(copy.deepcopy(initial), train, valid)
torch.manual_seed(DROP_SEED)
NUM_IT = 100
rec = learn.lr_find(num_it=NUM_IT)
x, y = usable(rec["lrs"], rec["smooth"], NUM_IT)
tensors = {}
record("sweep", rec, tensors)
tensors["suggestions"] = torch.tensor([f(x, y) for f in (valley, slide, minimum, steep)], dtype=torch.float64)
write_safetensors(os.path.join(out, "lr_find.safetensors"), tensors,
                  {"numIt": NUM_IT, "suggestions": ["valley", "slide", "minimum", "steep"]})

# Augmented batches: a training batch (flip/rotate/zoom, warp, lighting, resized 72 x 80 -> 64)
# and a validation batch (resize only).
model = copy.deepcopy(initial)
n = BS
images = torch.randint(0, 256, (n, 72, 80, 3), dtype=torch.uint8)
labels = torch.randint(0, N_OUT, (n,))
params = dict(affine=affines(n, 72, 80),
              warp=torch.tensor([1, 0, 0, 0, 1, 0, 0, 0], dtype=torch.float32) + rand(n, 8, low=-0.04, high=0.04),
              brightness=logit(rand(n, low=0.4, high=0.6)),
              contrast=torch.exp(rand(n, low=math.log(0.8), high=-math.log(0.8))))
x_train = augment(to_float(images), (SIZE, SIZE), **params)
x_valid = augment(to_float(images), (SIZE, SIZE))
tensors = {"images": images, "labels": labels.int(), **params}
with torch.no_grad():
    model.eval()
    for name, x in (("train", x_train), ("valid", x_valid)):
        logits = model(preprocess(x))
        tensors[f"{name}.logits_eval"] = logits
        tensors[f"{name}.loss_eval"] = F.cross_entropy(logits, labels).reshape(1)
learn = Replica(model, None, None)
learn.set_frozen(False)
learn.ensure_hypers()
torch.manual_seed(DROP_SEED)
model.train()
loss = F.cross_entropy(model(preprocess(x_train)), labels)
loss.backward()
for tg in learn.opt.param_groups:
    tg["betas"], tg["weight_decay"] = (0.9, 0.99), 0.01 if tg["decay"] else 0.0
learn.opt.step()
tensors["train.loss_train"] = loss.detach().reshape(1)
for name in ("1.8.weight", "1.4.weight", "0.0.weight", "0.1.running_mean", "0.7.2.bn2.running_var"):
    tensors[f"train.after.{name}"] = model.state_dict()[name]
write_safetensors(os.path.join(out, "augment.safetensors"), tensors,
                  {"size": [SIZE, SIZE], "dropSeed": DROP_SEED, "hypers": {"lr": 1e-3, "mom": 0.9, "sqrMom": 0.99, "eps": 1e-5, "wd": 0.01}})

# Weights that do not fit: another architecture (torchvision's resnet18).
torch.save(torchvision.models.resnet18(weights=None).state_dict(), os.path.join(out, "resnet18.pth"))
