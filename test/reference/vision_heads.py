"""fastai's create_head with options other than its defaults, in plain PyTorch on a resnet18 body:
the reference for the heads createHead describes (src/model/head.ts) and the native side builds
(native/models/head.cc).

`create_head` and `LinBnDrop` below are fastai's code (fastai/vision/learner.py, fastai/layers.py)
with fastai's own layers spelled in PyTorch. The model is initialised as a native model created with
`seed: SEED` is: torchvision's init of resnet18, every draw from one torch.Generator, then the
head's linear weights kaiming-normal (fastai's apply_init) from the same generator, biases 0,
BatchNorm weight 1 and bias 1e-3 (fastai's BatchNorm) or 0 (plain nn.BatchNorm1d). So no weights
file is needed: the fixture records the head's initial tensors, then the head's BatchNorms are
moved away from their init (stored too, for the test to load), and the batch is small (32 px).

Recorded per case: the head's layers as fastai builds them; its initial tensors; eval logits;
train-mode logits and loss (dropout masks from the global generator seeded with DROP_SEED, as the
native model draws them from its own); gradients of the head with the body frozen; one AdamW step
with the body frozen (fastai's hypers per group) and the head's tensors after it.
"""
import copy
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from common import deterministic, out_dir, versions, write_safetensors
from fastai_resnet import MEAN, STD, ConcatPool, Flatten

ARCH = "resnet18"
N_OUT = 3
SIZE = 32
BS = 4
SEED = 11
DROP_SEED = 1234

# createHead's options (TypeScript names) and fastai's create_head arguments.
CASES = {
    "lin_first": {
        "ts": {"concatPool": False, "linFtrs": [256, 128], "ps": [0.1, 0.2, 0.3], "bnFinal": True, "linFirst": True,
               "firstBn": False},
        "fastai": {"concat_pool": False, "lin_ftrs": [256, 128], "ps": [0.1, 0.2, 0.3], "bn_final": True,
                   "lin_first": True, "first_bn": False},
    },
    "bn_first": {
        "ts": {"linFtrs": [64], "ps": 0.4, "bnFinal": True, "firstBn": False},
        "fastai": {"lin_ftrs": [64], "ps": 0.4, "bn_final": True, "first_bn": False},
    },
}

out = out_dir()
deterministic(0)


def fastai_batchnorm(nf):
    """fastai's BatchNorm(nf, ndim=1): weight 1, bias 1e-3."""
    bn = nn.BatchNorm1d(nf)
    with torch.no_grad():
        bn.weight.fill_(1.0)
        bn.bias.fill_(1e-3)
    return bn


def lin_bn_drop(n_in, n_out, bn=True, p=0.0, act=None, lin_first=False):
    """fastai's LinBnDrop, as the list of layers it holds."""
    layers = [fastai_batchnorm(n_out if lin_first else n_in)] if bn else []
    if p != 0:
        layers.append(nn.Dropout(p))
    lin = [nn.Linear(n_in, n_out, bias=not bn)]
    if act is not None:
        lin.append(act)
    return lin + layers if lin_first else layers + lin


def create_head(nf, n_out, lin_ftrs=None, ps=0.5, pool=True, concat_pool=True, first_bn=True, bn_final=False,
                lin_first=False):
    """fastai's create_head (y_range aside: SigmoidRange is the model's, tested elsewhere)."""
    if pool and concat_pool:
        nf *= 2
    lin_ftrs = [nf, 512, n_out] if lin_ftrs is None else [nf] + lin_ftrs + [n_out]
    bns = [first_bn] + [True] * len(lin_ftrs[1:])
    ps = list(ps) if isinstance(ps, (list, tuple)) else [ps]
    if len(ps) == 1:
        ps = [ps[0] / 2] * (len(lin_ftrs) - 2) + ps
    actns = [nn.ReLU(inplace=True)] * (len(lin_ftrs) - 2) + [None]
    layers = []
    if pool:
        layers += [ConcatPool() if concat_pool else nn.AdaptiveAvgPool2d(1), Flatten()]
    if lin_first:
        layers.append(nn.Dropout(ps.pop(0)))
    for ni, no, bn, p, actn in zip(lin_ftrs[:-1], lin_ftrs[1:], bns, ps, actns):
        layers += lin_bn_drop(ni, no, bn=bn, p=p, act=actn, lin_first=lin_first)
    if lin_first:
        layers.append(nn.Linear(lin_ftrs[-2], n_out))
    if bn_final:
        layers.append(nn.BatchNorm1d(lin_ftrs[-1], momentum=0.01))
    return nn.Sequential(*layers)


def init_resnet(net, g):
    """torchvision's init of a ResNet, every draw from `g` in module order."""
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            fan_out = m.weight.shape[0] * m.weight[0, 0].numel()
            m.weight.normal_(0, math.sqrt(2.0 / fan_out), generator=g)
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.fill_(1)
            m.bias.zero_()
        elif isinstance(m, nn.Linear):
            bound = 1 / math.sqrt(m.weight.shape[1])
            m.weight.uniform_(-bound, bound, generator=g)
            m.bias.uniform_(-bound, bound, generator=g)


def apply_init(head, g):
    """fastai's apply_init(head, kaiming_normal_) drawing from `g`: linear weights, biases to 0."""
    for m in head.modules():
        if isinstance(m, nn.Linear):
            m.weight.normal_(0, math.sqrt(2.0 / m.weight.shape[1]), generator=g)
            if m.bias is not None:
                m.bias.zero_()


def describe(head):
    """The head's layers in createHead's terms."""
    layers = []
    for m in head:
        if isinstance(m, ConcatPool):
            layers.append({"type": "adaptiveConcatPool"})
        elif isinstance(m, nn.AdaptiveAvgPool2d):
            layers.append({"type": "adaptiveAvgPool"})
        elif isinstance(m, Flatten):
            layers.append({"type": "flatten"})
        elif isinstance(m, nn.BatchNorm1d):
            layers.append({"type": "batchNorm1d", "features": m.num_features, "momentum": m.momentum,
                           "biasInit": round(float(m.bias[0]), 6)})  # float32 1e-3, as written
        elif isinstance(m, nn.Dropout):
            layers.append({"type": "dropout", "p": m.p})
        elif isinstance(m, nn.Linear):
            layers.append({"type": "linear", "inFeatures": m.in_features, "outFeatures": m.out_features,
                           "bias": m.bias is not None})
        elif isinstance(m, nn.ReLU):
            layers.append({"type": "relu"})
        else:
            raise TypeError(type(m))
    return layers


def batch(seed):
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (BS, SIZE, SIZE, 3), dtype=torch.uint8, generator=g)
    labels = torch.randint(0, N_OUT, (BS,), generator=g)
    return images, labels


def preprocess(images):
    x = images.permute(0, 3, 1, 2).contiguous().float().div(255)
    return (x - MEAN) / STD


def freeze_body(model):
    """fastai's freeze with train_bn: the head and every norm layer's parameters train."""
    for name, p in model.named_parameters():
        module = model.get_submodule(name.rsplit(".", 1)[0])
        p.requires_grad_(name.startswith("1.") or isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)))


def group_of(name):
    if name.startswith("1."):
        return 2
    return 0 if int(name.split(".")[1]) < 6 else 1


HYPERS = [{"lr": 2e-4, "mom": 0.95, "sqrMom": 0.99, "eps": 1e-5, "wd": 0.01},
          {"lr": 5e-4, "mom": 0.9, "sqrMom": 0.99, "eps": 1e-5, "wd": 0.02},
          {"lr": 2e-3, "mom": 0.85, "sqrMom": 0.99, "eps": 1e-5, "wd": 0.05}]


def adam(model):
    groups = []
    for g in range(3):
        for decay in (True, False):
            params = [p for n, p in model.named_parameters() if group_of(n) == g and p.requires_grad and decay == (
                not isinstance(model.get_submodule(n.rsplit(".", 1)[0]), (nn.BatchNorm1d, nn.BatchNorm2d))
                and not n.endswith("bias"))]
            h = HYPERS[g]
            groups.append({"params": params, "lr": h["lr"], "betas": (h["mom"], h["sqrMom"]), "eps": h["eps"],
                           "weight_decay": h["wd"] if decay else 0.0})
    return torch.optim.AdamW(groups)


def reference(case, spec, t):
    net = torchvision.models.resnet18(weights=None)
    g = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        init_resnet(net, g)
        body = nn.Sequential(*list(net.children())[:-2])
        head = create_head(net.fc.in_features, N_OUT, **spec["fastai"])
        apply_init(head, g)
    model = nn.Sequential(body, head)
    layers = describe(head)
    head_names = [n for n, _ in head.state_dict().items()]
    for n, v in head.state_dict().items():
        t[f"{case}.init.1.{n}"] = v.clone()
    with torch.no_grad():  # the head's BatchNorms away from their init, so eval mode matters
        for m in head.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.weight.uniform_(0.8, 1.2)
                m.bias.uniform_(-0.1, 0.1)
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    for n, v in head.state_dict().items():
        t[f"{case}.head.1.{n}"] = v.clone()

    images, labels = batch(7)
    t[f"{case}.images"] = images
    t[f"{case}.labels"] = labels.int()
    x = preprocess(images)
    with torch.no_grad():
        t[f"{case}.logits_eval"] = copy.deepcopy(model).eval()(x)

    m = copy.deepcopy(model)
    freeze_body(m)
    m.train()
    torch.manual_seed(DROP_SEED)
    logits = m(x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    t[f"{case}.logits_train"] = logits.detach()
    t[f"{case}.loss_train"] = loss.detach().reshape(1)
    for n, p in m.named_parameters():
        if n.startswith("1."):
            t[f"{case}.grads.{n}"] = p.grad

    # One AdamW step, body frozen, on another batch.
    m = copy.deepcopy(model)
    freeze_body(m)
    opt = adam(m)
    images_s, labels_s = batch(100)
    t[f"{case}.step.images"] = images_s
    t[f"{case}.step.labels"] = labels_s.int()
    torch.manual_seed(DROP_SEED)
    m.train()
    step_loss = F.cross_entropy(m(preprocess(images_s)), labels_s)
    step_loss.backward()
    opt.step()
    t[f"{case}.step.loss"] = step_loss.detach().reshape(1)
    for n, v in m.state_dict().items():
        if n.startswith("1."):
            t[f"{case}.step.final.{n}"] = v.clone()
    return {"options": spec["ts"], "layers": layers, "headState": [f"1.{n}" for n in head_names]}


tensors = {}
cases = {case: reference(case, spec, tensors) for case, spec in CASES.items()}
write_safetensors(os.path.join(out, "heads.safetensors"), tensors, {
    "versions": versions(), "arch": ARCH, "seed": SEED, "dropSeed": DROP_SEED, "nOut": N_OUT, "hypers": HYPERS,
    "cases": cases,
})
