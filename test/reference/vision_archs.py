"""fastai's vision model for every architecture besides ResNet-34: the reference for the native
models built by name (native/models/archs.cc).

For each arch, torchvision's network (weights=None) is given the initialisation the native model
draws from its seed: the same draws, in the same order, from a torch.Generator seeded alike
(torchvision's init: ResNets kaiming-normal fan_out convolutions, BatchNorm 1/0, fc as Linear's
default; ConvNeXt truncated-normal std 0.02 convolutions and linears, zero biases), then fastai's
head (its linears kaiming-normal fan_in, BatchNorm 1 and 1e-3) from the same generator. So a native
model created with `seed: SEED` holds the reference head, and loading `<arch>.pth` (torchvision's
state dict, norm layers, layer scales and biases then moved away from their init) as its body gives
it exactly the reference model. Body cut as fastai's model_meta (ResNets: children[:-2]) or its
default (ConvNeXt: the children before the last one with a pooling layer, i.e. `features`).

Recorded per arch in `<arch>.safetensors`: one batch; eval logits (float32, float64, channels-last,
and bf16 autocast but for ConvNeXt, whose LayerNorm2d PyTorch 1.13 cannot run under CPU autocast);
train-mode logits and loss (dropout and stochastic depth drawn from the global generator seeded
with DROP_SEED, as the native model draws them from its own); gradients after one
backward, unfrozen and frozen (the full tensors of a few parameters per group, the norm of every
one); and AdamW steps as fastai takes them (two frozen, one unfrozen; per-group hypers), with the
losses and the distance every parameter moved. Only norms and a sample of tensors are stored, so the
fixture stays small next to the weights.
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

ARCHS = ["resnet18", "resnet50", "resnet101", "resnet152", "convnext_tiny"]
N_OUT = 5
SIZE = 64
BS = 4
SEED = 11
DROP_SEED = 1234
FROZEN_STEPS = 2
STEPS = 3

out = out_dir()
deterministic(0)


def trunc_normal(w, std, g):
    """torch.nn.init.trunc_normal_ (bounds -2, 2) drawing from `g`."""
    cdf = lambda x: (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0
    lo, hi = cdf(-2.0 / std), cdf(2.0 / std)
    w.uniform_(2 * lo - 1, 2 * hi - 1, generator=g)
    w.erfinv_()
    w.mul_(std * math.sqrt(2.0))
    w.clamp_(-2.0, 2.0)


def init_torchvision(net, convnext, g):
    """torchvision's init of `net`, every draw from `g` in module order."""
    for m in net.modules():
        if convnext:
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                trunc_normal(m.weight, 0.02, g)
                m.bias.zero_()
        elif isinstance(m, nn.Conv2d):
            fan_out = m.weight.shape[0] * m.weight[0, 0].numel()
            m.weight.normal_(0, math.sqrt(2.0 / fan_out), generator=g)
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.fill_(1)
            m.bias.zero_()
        elif isinstance(m, nn.Linear):
            bound = 1 / math.sqrt(m.weight.shape[1])
            m.weight.uniform_(-bound, bound, generator=g)
            m.bias.uniform_(-bound, bound, generator=g)


def head_bn(n):
    bn = nn.BatchNorm1d(n)
    bn.weight.data.fill_(1.0)
    bn.bias.data.fill_(1e-3)
    return bn


def fastai_head(nf, g):
    head = nn.Sequential(ConcatPool(), Flatten(), head_bn(2 * nf), nn.Dropout(0.25), nn.Linear(2 * nf, 512, bias=False),
                         nn.ReLU(inplace=True), head_bn(512), nn.Dropout(0.5), nn.Linear(512, N_OUT, bias=False))
    for lin in (head[4], head[8]):
        lin.weight.normal_(0, math.sqrt(2.0 / lin.weight.shape[1]), generator=g)
    return head


def move_norms(net):
    """Norm layers, layer scales and biases away from their init (global generator), so eval mode
    and every parameter matter."""
    for m in net.modules():
        if isinstance(m, (nn.BatchNorm2d, nn.LayerNorm)):
            m.weight.uniform_(0.8, 1.2)
            m.bias.uniform_(-0.1, 0.1)
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.num_batches_tracked.fill_(7)
        if isinstance(m, (nn.Conv2d, nn.Linear)) and m.bias is not None:
            m.bias.uniform_(-0.05, 0.05)
        if isinstance(m, torchvision.models.convnext.CNBlock):
            m.layer_scale.uniform_(0.2, 0.6)


def build(arch):
    convnext = arch.startswith("convnext")
    net = getattr(torchvision.models, arch)(weights=None)
    g = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        init_torchvision(net, convnext, g)
        children = list(net.children())
        body = nn.Sequential(*(children[:1] if convnext else children[:-2]))
        nf = 768 if convnext else net.fc.in_features
        head = fastai_head(nf, g)
        move_norms(net)
    return net, nn.Sequential(body, head), convnext


def group_of(name, convnext):
    if name.startswith("1."):
        return 1 if convnext else 2
    return 0 if convnext or int(name.split(".")[1]) < 6 else 1


def is_norm_param(model, name):
    module = model.get_submodule(name.rsplit(".", 1)[0])
    return isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm))


def preprocess(images):
    x = images.permute(0, 3, 1, 2).contiguous().float().div(255)
    return (x - MEAN) / STD


def batch(seed):
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (BS, SIZE, SIZE, 3), dtype=torch.uint8, generator=g)
    labels = torch.randint(0, N_OUT, (BS,), generator=g)
    return images, labels


def set_frozen(model, frozen, convnext):
    last = 1 if convnext else 2
    for name, p in model.named_parameters():
        p.requires_grad_(not frozen or group_of(name, convnext) == last or is_norm_param(model, name))


def sample_names(model, convnext):
    """A few parameters per group: its first two and last two of at most 300k values (larger ones,
    like the head's hidden linear, are left to the norms)."""
    params = dict(model.named_parameters())
    picked = []
    for g in range(2 if convnext else 3):
        in_group = [n for n, p in params.items() if group_of(n, convnext) == g and p.numel() <= 300_000]
        picked += in_group[:2] + in_group[-2:]
    return picked


def step_hypers(k, n_groups):
    base_lr = [2e-4, 5e-4, 2e-3][-n_groups:]
    mom = [0.95, 0.9, 0.85][-n_groups:]
    wd = [0.01, 0.02, 0.05][-n_groups:]
    return [{"lr": base_lr[g] * (1 + 0.5 * k), "mom": mom[g] - 0.01 * k, "sqrMom": 0.99, "eps": 1e-5, "wd": wd[g]}
            for g in range(n_groups)]


def adam(model, convnext):
    n_groups = 2 if convnext else 3
    groups = []
    for g in range(n_groups):
        for decay in (True, False):
            params = [p for n, p in model.named_parameters()
                      if group_of(n, convnext) == g and decay == (not is_norm_param(model, n) and not n.endswith("bias"))]
            groups.append({"params": params, "fastai_group": g, "decay": decay})
    return torch.optim.AdamW(groups, lr=0.0, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01)


def reference(arch):
    net, model, convnext = build(arch)
    torch.save(net.state_dict(), os.path.join(out, f"{arch}.pth"))
    n_groups = 2 if convnext else 3
    names = [n for n, _ in model.named_parameters()]
    sample = sample_names(model, convnext)
    images, labels = batch(7)
    x = preprocess(images)
    t = {"images": images, "labels": labels.int()}

    with torch.no_grad():
        m = copy.deepcopy(model).eval()
        t["logits_eval"] = m(x)
        t["logits_eval_f64"] = copy.deepcopy(m).double()(x.double())
        cl = copy.deepcopy(m).to(memory_format=torch.channels_last)
        t["logits_eval_channels_last"] = cl(x.contiguous(memory_format=torch.channels_last))
        if not convnext:  # torchvision 0.14's LayerNorm2d fails under torch 1.13's CPU autocast
            with torch.autocast("cpu", dtype=torch.bfloat16):
                t["logits_eval_bf16"] = m(x).float()

    for frozen in (False, True):
        m = copy.deepcopy(model)
        set_frozen(m, frozen, convnext)
        m.train()
        torch.manual_seed(DROP_SEED)
        logits = m(x)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        key = "grads_frozen" if frozen else "grads"
        if not frozen:
            t["logits_train"] = logits.detach()
            t["loss_train"] = loss.detach().reshape(1)
        params = dict(m.named_parameters())
        t[f"{key}.norms"] = torch.tensor([0.0 if params[n].grad is None else params[n].grad.double().norm().item() for n in names],
                                         dtype=torch.float64)
        for n in sample:
            if params[n].grad is not None:
                t[f"{key}.{n}"] = params[n].grad

    # Two frozen AdamW steps, then one unfrozen (a fresh optimizer, as fastai's unfreeze clears it).
    m = copy.deepcopy(model)
    set_frozen(m, True, convnext)
    opt = adam(m, convnext)
    losses, hypers = [], []
    torch.manual_seed(DROP_SEED)
    for k in range(STEPS):
        if k == FROZEN_STEPS:
            set_frozen(m, False, convnext)
            opt = adam(m, convnext)
        images_k, labels_k = batch(100 + k)
        t[f"batch{k}.images"] = images_k
        t[f"batch{k}.labels"] = labels_k.int()
        m.train()
        loss = F.cross_entropy(m(preprocess(images_k)), labels_k)
        loss.backward()
        h = step_hypers(k, n_groups)
        hypers.append(h)
        for tg in opt.param_groups:
            gh = h[tg["fastai_group"]]
            tg.update(lr=gh["lr"], betas=(gh["mom"], gh["sqrMom"]), eps=gh["eps"], weight_decay=gh["wd"] if tg["decay"] else 0.0)
        opt.step()
        opt.zero_grad(set_to_none=False)
        losses.append(loss.item())
    initial = dict(model.named_parameters())
    final = dict(m.named_parameters())
    t["steps.losses"] = torch.tensor(losses, dtype=torch.float64)
    t["steps.moved"] = torch.tensor([(final[n].double() - initial[n].double()).norm().item() for n in names], dtype=torch.float64)
    for n in sample:
        t[f"steps.final.{n}"] = final[n]

    write_safetensors(os.path.join(out, f"{arch}.safetensors"), t, {
        "versions": versions(), "arch": arch, "seed": SEED, "dropSeed": DROP_SEED, "nOut": N_OUT,
        "params": names, "sample": sample, "nGroups": n_groups,
        "groups": [group_of(n, convnext) for n in names],
        "norms": [is_norm_param(model, n) for n in names],
        "bodyFeatures": 768 if convnext else net.fc.in_features,
        "frozenSteps": FROZEN_STEPS, "steps": STEPS, "hypers": hypers,
        "torchvisionKeys": list(net.state_dict().keys()),
    })


for arch in ARCHS:
    reference(arch)
