"""What the PyTorch twins of the benchmarks share: fastai's ResNet-34 learner model in plain PyTorch,
AdamW over fastai's parameter groups (each split into decayed and not), the on-device
preprocessing fastai does (uint8 -> float / 255 -> ImageNet normalization), and measurements.

The model is built exactly as test/reference/vision_model.py builds the parity reference:
torchvision's resnet34 body (children[:-2]) + fastai's head (concat pool, flatten, BatchNorm1d,
Dropout, Linear, ReLU, BatchNorm1d, Dropout, Linear).
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
# fastai's Adam defaults (opt_func=Adam): lr 1e-3 (fit), mom 0.9, sqr_mom 0.99, eps 1e-5, wd 0.01.
DEFAULT_HYPERS = {"lr": 1e-3, "mom": 0.9, "sqrMom": 0.99, "eps": 1e-5, "wd": 0.01}


class ConcatPool(nn.Module):
    def forward(self, x):
        return torch.cat([F.adaptive_max_pool2d(x, 1), F.adaptive_avg_pool2d(x, 1)], 1)


def build(n_out, seed=0, arch="resnet34"):
    """torchvision's `arch` cut as fastai cuts it (ResNets children[:-2], ConvNeXt `features`) + fastai's head."""
    torch.manual_seed(seed)
    net = getattr(torchvision.models, arch)(weights=None)
    convnext = arch.startswith("convnext")
    body = nn.Sequential(*list(net.children())[:1 if convnext else -2])
    nf = 2 * (768 if convnext else net.fc.in_features)
    head = nn.Sequential(ConcatPool(), nn.Flatten(), nn.BatchNorm1d(nf), nn.Dropout(0.25),
                         nn.Linear(nf, 512, bias=False), nn.ReLU(inplace=True), nn.BatchNorm1d(512),
                         nn.Dropout(0.5), nn.Linear(512, n_out, bias=False))
    for lin in (head[4], head[8]):
        nn.init.kaiming_normal_(lin.weight)
    return nn.Sequential(body, head)


def group_of(name):
    if name.startswith("1."):
        return 2
    return 0 if int(name.split(".")[1]) < 6 else 1


def is_norm(model, name):
    return isinstance(model.get_submodule(name.rsplit(".", 1)[0]), (nn.BatchNorm1d, nn.BatchNorm2d))


def adamw(model, **kwargs):
    """fastai's three groups, each split into weight-decayed and not (BatchNorm, biases)."""
    groups = []
    for g in range(3):
        for decay in (True, False):
            params = [p for n, p in model.named_parameters()
                      if group_of(n) == g and decay == (not is_norm(model, n) and not n.endswith("bias"))]
            groups.append({"params": params, "fastai_group": g, "decay": decay})
    h = DEFAULT_HYPERS
    return torch.optim.AdamW(groups, lr=h["lr"], betas=(h["mom"], h["sqrMom"]), eps=h["eps"], weight_decay=h["wd"], **kwargs)


def set_hypers(opt, lrs, mom=DEFAULT_HYPERS["mom"]):
    """What fastai's optimizer does before every step: its hyper-parameters into each torch group."""
    for tg in opt.param_groups:
        tg["lr"] = lrs[tg["fastai_group"]]
        tg["betas"] = (mom, DEFAULT_HYPERS["sqrMom"])
        tg["eps"] = DEFAULT_HYPERS["eps"]
        tg["weight_decay"] = DEFAULT_HYPERS["wd"] if tg["decay"] else 0.0


def preprocess(images, channels_last, device="cpu"):
    """uint8 NHWC (or NCHW from torchvision) -> normalized float NCHW on `device`, as fastai's batch
    transforms: the uint8 pixels travel, the float conversion happens there."""
    x = images.to(device, non_blocking=True)
    x = x.permute(0, 3, 1, 2) if x.shape[-1] == 3 else x
    x = (x.float().div_(255) - MEAN.to(device)) / STD.to(device)
    return x.contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format)


def autocast(precision, device="cpu"):
    dtype = torch.float16 if precision == "fp16" else torch.bfloat16
    return torch.autocast(torch.device(device).type, dtype=dtype, enabled=precision != "fp32")


def grad_scaler(precision):
    """Loss scaling for fp16, as fastai's MixedPrecision (torch's GradScaler defaults)."""
    enabled = precision == "fp16"
    if hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler("cuda", enabled=enabled)
    return torch.cuda.amp.GradScaler(enabled=enabled)


def sync(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def rss_mib(field="VmRSS"):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def config():
    """The worker's configuration: one JSON argument."""
    cfg = json.loads(sys.argv[1])
    torch.set_num_threads(cfg.get("threads") or len(os.sched_getaffinity(0)))
    return cfg


def emit(result):
    result.update({"torch": torch.__version__, "threads": torch.get_num_threads()})
    print(json.dumps(result))


now = time.perf_counter
