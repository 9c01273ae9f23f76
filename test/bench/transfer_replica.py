"""The demo's transfer-learning recipe in plain PyTorch (torch 1.13, torchvision 0.14), on the
same data with the same schedule, for comparing error rates with `npm run demo`.

usage: /usr/bin/python3 test/bench/transfer_replica.py <run folder>/metrics.json
           [--body <file.safetensors>] [--seeds 1,2] [--out replica.json]

It reads the demo's recipe (image size, images per class, batch sizes, epochs, learning rates,
LR-finder length) from the run's metrics.json and then, with fastai's semantics written out by
hand (shared/spec/fastai-semantics.md):

1. source task: the first N training images of Fashion-MNIST classes 0-4 (as the demo writes them),
   the recipe's ResNet (resnet18 or resnet34) from torchvision's random init + fastai's head,
   fit_one_cycle;
2. target task (classes 5-9, the first images of the training file; the test file's for
   validation): vision_learner from that body, frozen; fit_one_cycle(e1, 3e-3); unfreeze; lr_find
   (valley); fit_one_cycle(e2, valley); fit_one_cycle(e3, slice(valley/100, valley));
3. the control: the same steps from random weights.

Images: 28 px grey to RGB, PIL bilinear resize to the demo's size; batches augmented as fastai's
aug_transforms() does (flip, warp, rotate, zoom in one grid_sample with reflection padding,
brightness and contrast in logit space), normalized with ImageNet statistics. Optimizer: fastai's
Adam as AdamW (betas (mom, 0.99), eps 1e-5, wd 0.01 decoupled, none on BatchNorm and biases),
three parameter groups, BatchNorm trainable when frozen, state dropped on freeze/unfreeze.

--body starts the target task from the body the demo cached instead of pretraining here. Random
draws differ from fasttune's (Python's and torch's generators), so single runs differ by noise;
--seeds averages several.
"""
import argparse
import copy
import gzip
import json
import math
import os
import random
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from PIL import Image

IDX_DIR = "/usr/share/datasets/fashion-mnist"
SOURCE_CLASSES = [0, 1, 2, 3, 4]
TARGET_CLASSES = [5, 6, 7, 8, 9]
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
BETA = 0.98


# ---- data: the images fashionMnistToFolder writes, resized as Resize(size) does ----------------

def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def task(split_prefix, classes, per_class, size, idx_dir):
    """The first `per_class` images of each class in file order, as uint8 N×H×W×3 and labels (vocab order)."""
    images = read_idx(os.path.join(idx_dir, f"{split_prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(idx_dir, f"{split_prefix}-labels-idx1-ubyte.gz"))
    names = ["t-shirt_top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle_boot"]
    vocab = sorted(names[c] for c in classes)
    xs, ys, taken = [], [], {c: 0 for c in classes}
    for img, lab in zip(images, labels):
        lab = int(lab)
        if lab not in taken or taken[lab] >= per_class:
            continue
        taken[lab] += 1
        pil = Image.fromarray(img, mode="L").convert("RGB")
        if pil.size != (size, size):
            pil = pil.resize((size, size), Image.BILINEAR)
        xs.append(np.asarray(pil))
        ys.append(vocab.index(names[lab]))
    return torch.from_numpy(np.stack(xs)), torch.tensor(ys), vocab


class Loader:
    """Shuffled drop-last batches for training, ordered ones for validation."""

    def __init__(self, images, labels, bs, train, seed):
        self.images, self.labels, self.bs, self.train = images, labels, bs, train
        self.rng = np.random.default_rng(seed)

    def __len__(self):
        n = len(self.labels)
        return n // self.bs if self.train else math.ceil(n / self.bs)

    def __iter__(self):
        n = len(self.labels)
        order = self.rng.permutation(n) if self.train else np.arange(n)
        for b in range(len(self)):
            idx = torch.from_numpy(order[b * self.bs:(b + 1) * self.bs])
            yield self.images[idx], self.labels[idx]


# ---- fastai's aug_transforms() on a batch -------------------------------------------------------

def masked(n, draw, p, neutral):
    values = torch.tensor([draw() for _ in range(n)], dtype=torch.float64)
    keep = torch.tensor([random.random() < p for _ in range(n)])
    return torch.where(keep, values, torch.full_like(values, neutral))


def affine(a, b, c, d, e, f):
    z, o = torch.zeros_like(a), torch.ones_like(a)
    return torch.stack([torch.stack([a, b, c], 1), torch.stack([d, e, f], 1), torch.stack([z, z, o], 1)], 1)


def perspective_coeffs(x_t, y_t):
    """Homography taking the unit square's corners to the warped ones (fastai's _WarpCoord)."""
    n = len(x_t)
    src = torch.tensor([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=torch.float64).expand(n, 4, 2)
    dst = torch.stack([torch.stack([-1 - y_t, -1 - x_t]), torch.stack([-1 + y_t, 1 + x_t]),
                       torch.stack([1 + y_t, -1 + x_t]), torch.stack([1 - y_t, 1 - x_t])]).permute(2, 0, 1)
    rows = []
    t0, t1 = torch.zeros(n, dtype=torch.float64), torch.ones(n, dtype=torch.float64)
    for i in range(4):
        rows.append(torch.stack([dst[:, i, 0], dst[:, i, 1], t1, t0, t0, t0, -src[:, i, 0] * dst[:, i, 0], -src[:, i, 0] * dst[:, i, 1]]))
        rows.append(torch.stack([t0, t0, t0, dst[:, i, 0], dst[:, i, 1], t1, -src[:, i, 1] * dst[:, i, 0], -src[:, i, 1] * dst[:, i, 1]]))
    return torch.linalg.solve(torch.stack(rows).permute(2, 0, 1), src.reshape(n, 8, 1))[..., 0]


def logit(x):
    x = x.clamp(1e-7, 1 - 1e-7)
    return -(1 / x - 1).log()


def augment(x):
    """x: float N×3×H×W in [0, 1] (square images, output the same size)."""
    n = x.shape[0]
    flip = masked(n, lambda: 1.0, 0.5, 0.0)
    mat = affine(1 - 2 * flip, *[torch.zeros(n, dtype=torch.float64)] * 3, torch.ones(n, dtype=torch.float64), torch.zeros(n, dtype=torch.float64))
    x_t = masked(n, lambda: random.uniform(-0.2, 0.2), 0.75, 0.0)
    y_t = masked(n, lambda: random.uniform(-0.2, 0.2), 0.75, 0.0)
    theta = masked(n, lambda: random.uniform(-10, 10), 0.75, 0.0) * math.pi / 180
    z = torch.zeros(n, dtype=torch.float64)
    mat = mat @ affine(theta.cos(), theta.sin(), z, -theta.sin(), theta.cos(), z)
    s = 1 / masked(n, lambda: random.uniform(1.0, 1.1), 0.75, 1.0)
    col = torch.tensor([random.random() for _ in range(n)], dtype=torch.float64)
    row = torch.tensor([random.random() for _ in range(n)], dtype=torch.float64)
    mat = mat @ affine(s, z, (1 - s) * (2 * col - 1), z, s, (1 - s) * (2 * row - 1))
    coords = F.affine_grid(mat[:, :2].float(), list(x.shape), align_corners=True)
    coeffs = perspective_coeffs(x_t, y_t).float()
    flat = coords.view(n, -1, 2)
    full = torch.cat([coeffs, torch.ones(n, 1)], 1).view(n, 3, 3)
    warped = flat @ full[..., :2].transpose(1, 2) + full[..., 2].unsqueeze(1)
    coords = (warped[..., :2] / warped[..., 2:]).view_as(coords)
    x = F.grid_sample(x, coords, mode="bilinear", padding_mode="reflection", align_corners=True)
    brightness = logit(masked(n, lambda: random.uniform(0.4, 0.6), 0.75, 0.5)).float()
    contrast = masked(n, lambda: math.exp(random.uniform(math.log(0.8), -math.log(0.8))), 0.75, 1.0).float()
    return torch.sigmoid((logit(x) + brightness.view(n, 1, 1, 1)) * contrast.view(n, 1, 1, 1))


def prepare(images, train):
    x = images.permute(0, 3, 1, 2).float().div(255)
    if train:
        x = augment(x)
    return (x - MEAN) / STD


# ---- fastai's ResNet learner model --------------------------------------------------------------

class ConcatPool(nn.Module):
    def forward(self, x):
        return torch.cat([F.adaptive_max_pool2d(x, 1), F.adaptive_avg_pool2d(x, 1)], 1).flatten(1)


def head_bn(n):
    bn = nn.BatchNorm1d(n)
    nn.init.ones_(bn.weight)
    nn.init.constant_(bn.bias, 1e-3)
    return bn


def build(arch, n_out, body_state=None):
    body = nn.Sequential(*list(getattr(torchvision.models, arch)(weights=None).children())[:-2])
    if body_state is not None:
        body.load_state_dict(body_state)
    head = nn.Sequential(ConcatPool(), head_bn(1024), nn.Dropout(0.25), nn.Linear(1024, 512, bias=False), nn.ReLU(inplace=True),
                         head_bn(512), nn.Dropout(0.5), nn.Linear(512, n_out, bias=False))
    nn.init.kaiming_normal_(head[3].weight)
    nn.init.kaiming_normal_(head[7].weight)
    return nn.Sequential(body, head)


TORCHVISION_CHILDREN = ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"]


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[start:end]), dtype=dtypes[info["dtype"]]).reshape(info["shape"]).clone()
    return out


def to_torchvision_body(state):
    """A torchvision ResNet state dict → the body Sequential's keys (0 conv1, 1 bn1, 4-7 layers)."""
    index = {name: i for i, name in enumerate(TORCHVISION_CHILDREN)}
    return {f"{index[k.split('.')[0]]}.{k.split('.', 1)[1]}": v for k, v in state.items() if not k.startswith("fc.")}


# ---- the Learner: groups, freezing, fastai's Adam, one-cycle, lr_find ---------------------------

def group_of(name):
    if name.startswith("1."):
        return 2
    return 0 if int(name.split(".")[1]) < 6 else 1


def cos_anneal(a, b, p):
    return a + (1 + math.cos(math.pi * (1 - p))) * (b - a) / 2


def one_cycle(pct, a, b, c):
    return lambda pos: cos_anneal(a, b, pos / pct) if pos < pct else cos_anneal(b, c, (pos - pct) / (1 - pct))


def valley(lrs, losses, num_it):
    first = num_it // 10
    x, y = lrs[first:-5], losses[first:-5]
    if any(math.isnan(v) for v in y):
        cut = next(i for i, v in enumerate(y) if math.isnan(v))
        x, y = x[:cut], y[:cut]
    y = [float(np.float32(v)) for v in y]
    n = len(y)
    if n == 0:
        return float("nan")
    run = [1] * n
    for i in range(n):
        for j in range(i):
            if y[i] < y[j]:
                run[i] = max(run[i], run[j] + 1)
    longest = max(run)
    end = run.index(longest)
    start = end - longest
    third = (end - start) / 3
    return x[start + int(third) + int(third / 2)]


class Learner:
    def __init__(self, model, train, valid, pretrained):
        self.model, self.train_dl, self.valid_dl = model, train, valid
        self.norm = {n for n, _ in model.named_parameters() if isinstance(model.get_submodule(n.rsplit(".", 1)[0]), (nn.BatchNorm1d, nn.BatchNorm2d))}
        self.hypers = [dict(lr=1e-3, mom=0.9) for _ in range(3)]
        self.set_frozen(pretrained)

    def set_frozen(self, frozen):
        for name, p in self.model.named_parameters():
            p.requires_grad_(not frozen or group_of(name) == 2 or name in self.norm)
        groups = []
        for g in range(3):
            for decay in (True, False):
                params = [p for n, p in self.model.named_parameters() if group_of(n) == g and decay == (n not in self.norm and not n.endswith("bias"))]
                groups.append({"params": params, "group": g, "decay": decay})
        self.opt = torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01)

    def step(self, images, labels):
        self.model.train()
        loss = F.cross_entropy(self.model(prepare(images, True)), labels)
        loss.backward()
        for tg in self.opt.param_groups:
            h = self.hypers[tg["group"]]
            tg["lr"], tg["betas"], tg["weight_decay"] = h["lr"], (h["mom"], 0.99), 0.01 if tg["decay"] else 0.0
        self.opt.step()
        self.opt.zero_grad(set_to_none=False)
        return loss.item()

    def validate(self):
        self.model.eval()
        total, wrong, count = 0.0, 0, 0
        with torch.no_grad():
            for images, labels in self.valid_dl:
                logits = self.model(prepare(images, False))
                total += F.cross_entropy(logits, labels, reduction="sum").item()
                wrong += int((logits.argmax(1) != labels).sum())
                count += len(labels)
        return total / count, wrong / count

    def fit(self, n_epoch, before_batch, after_batch=None, validate=True, label=""):
        avg, count, step, n = 0.0, 0, 0, len(self.train_dl)
        rec = dict(lrs=[], losses=[], rows=[])
        for epoch in range(n_epoch):
            start = time.time()
            for images, labels in self.train_dl:
                before_batch(step / (n * n_epoch), step)
                loss = self.step(images, labels)
                avg = BETA * avg + (1 - BETA) * loss
                count += 1
                smooth = avg / (1 - BETA ** count)
                rec["lrs"].append(self.hypers[2]["lr"])
                rec["losses"].append(smooth)
                step += 1
                if after_batch and after_batch(step, smooth):
                    return rec
            if validate:
                valid_loss, error = self.validate()
                rec["rows"].append(dict(train_loss=smooth, valid_loss=valid_loss, error_rate=error, seconds=time.time() - start))
                print(f"  {label} epoch {epoch}: train {smooth:.6f}  valid {valid_loss:.6f}  error {error:.6f}  ({time.time() - start:.0f} s)", flush=True)
        return rec

    def fit_one_cycle(self, n_epoch, peaks, div=25.0, div_final=1e5, pct=0.25, label=""):
        lr_sched = [one_cycle(pct, p / div, p, p / div_final) for p in peaks]
        mom_sched = one_cycle(pct, 0.95, 0.85, 0.95)

        def before(pos, _):
            for g, h in enumerate(self.hypers):
                h["lr"], h["mom"] = lr_sched[g](pos), mom_sched(pos)

        return self.fit(n_epoch, before, label=label)

    def lr_find(self, num_it, start_lr=1e-7, end_lr=10.0):
        saved = copy.deepcopy(self.model.state_dict()), copy.deepcopy(self.opt.state_dict()), copy.deepcopy(self.hypers)
        best = [math.inf]

        def before(_, step):
            for h in self.hypers:
                h["lr"] = start_lr * (end_lr / start_lr) ** (step / num_it)

        def after(step, smooth):
            best[0] = min(best[0], smooth)
            return smooth > 4 * best[0] or step >= num_it

        rec = self.fit(num_it // len(self.train_dl) + 1, before, after, validate=False)
        self.model.load_state_dict(saved[0])
        self.opt.load_state_dict(saved[1])
        self.hypers = saved[2]
        return valley(rec["lrs"], rec["losses"], num_it)


def spread(lo, hi):
    return [lo * (hi / lo) ** (g / 2) for g in range(3)]


# ---- the recipe ---------------------------------------------------------------------------------

def walkthrough(label, body_state, data, recipe, seed):
    torch.manual_seed(seed)
    random.seed(seed)
    (xt, yt), (xv, yv) = data
    arch, val_bs = recipe.get("arch", "resnet34"), recipe.get("valBs", recipe["bs"])
    learn = Learner(build(arch, 5, body_state), Loader(xt, yt, recipe["bs"], True, seed), Loader(xv, yv, val_bs, False, seed), body_state is not None)
    e1, e2, e3 = recipe["epochs"]
    rows = learn.fit_one_cycle(e1, [recipe["frozenLr"]] * 3, label=label)["rows"]
    learn.set_frozen(False)
    lr = learn.lr_find(recipe["lrFindIt"])
    lr = lr if math.isfinite(lr) else 1e-4
    print(f"  {label} lr_find valley {lr:.3e}", flush=True)
    rows += learn.fit_one_cycle(e2, [lr] * 3, label=label)["rows"]
    rows += learn.fit_one_cycle(e3, spread(lr / 100, lr), label=label)["rows"]
    return dict(valley=lr, error_rate=rows[-1]["error_rate"], error_by_epoch=[r["error_rate"] for r in rows])


def pretrain(recipe, idx_dir, seed):
    size, src = recipe["size"], recipe["source"]
    xt, yt, _ = task("train", SOURCE_CLASSES, src["trainPerClass"], size, idx_dir)
    xv, yv, _ = task("t10k", SOURCE_CLASSES, src["validPerClass"], size, idx_dir)
    torch.manual_seed(seed)
    random.seed(seed)
    p = recipe["pretrain"]
    learn = Learner(build(recipe.get("arch", "resnet34"), 5), Loader(xt, yt, p["bs"], True, seed), Loader(xv, yv, p["bs"], False, seed), False)
    rows = learn.fit_one_cycle(p["epochs"], [p["lr"]] * 3, label="source")["rows"]
    return {k: v.clone() for k, v in learn.model[0].state_dict().items()}, rows[-1]["error_rate"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("metrics", help="metrics.json of a demo run on Fashion-MNIST")
    parser.add_argument("--body", help="start from this body (the demo's cached .safetensors) instead of pretraining")
    parser.add_argument("--seeds", default="1", help="comma-separated seeds; results are averaged")
    parser.add_argument("--idx", default=IDX_DIR, help="folder with Fashion-MNIST's *-ubyte.gz files")
    parser.add_argument("--out", help="write the results here as JSON")
    args = parser.parse_args()
    with open(args.metrics) as f:
        recipe = json.load(f)["recipe"]
    torch.set_num_threads(os.cpu_count() or 1)
    size, tgt = recipe["size"], recipe["target"]
    data = (task("train", TARGET_CLASSES, tgt["trainPerClass"], size, args.idx)[:2], task("t10k", TARGET_CLASSES, tgt["validPerClass"], size, args.idx)[:2])
    results = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        start = time.time()
        if args.body:
            body, source_error = to_torchvision_body(load_safetensors(args.body)), None
        else:
            body, source_error = pretrain(recipe, args.idx, seed)
            print(f"seed {seed}: pretrained, source error rate {source_error:.4f} ({time.time() - start:.0f} s)", flush=True)
        transfer = walkthrough("transfer", body, data, recipe, seed)
        scratch = walkthrough("from scratch", None, data, recipe, seed)
        results.append(dict(seed=seed, source_error_rate=source_error, transfer=transfer, scratch=scratch, seconds=time.time() - start))
        print(f"seed {seed}: error rate transfer {transfer['error_rate']:.4f}, from scratch {scratch['error_rate']:.4f} ({time.time() - start:.0f} s)", flush=True)
    mean = lambda key: sum(r[key]["error_rate"] for r in results) / len(results)
    summary = dict(recipe=recipe, body=args.body, runs=results, transfer_error_rate=mean("transfer"), scratch_error_rate=mean("scratch"),
                   torch=torch.__version__, torchvision=torchvision.__version__, threads=torch.get_num_threads(), load=os.getloadavg())
    print(f"PyTorch replica, mean of {len(results)} run(s): transfer {summary['transfer_error_rate'] * 100:.2f} %, from scratch {summary['scratch_error_rate'] * 100:.2f} %")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(summary, f, indent=2)


if __name__ == "__main__":
    main()
