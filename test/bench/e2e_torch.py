"""PyTorch + torchvision twin of test/bench/e2e-worker.ts: one epoch of fastai's one-cycle schedule
from a JPEG folder, written as plain PyTorch.

ImageFolder + RandomResizedCrop(size, scale=(0.35, 1)) for training and Resize + CenterCrop for
validation, uint8 tensors from a DataLoader with one worker process per core; on the "device"
uint8 -> float / 255 -> ImageNet normalization; fastai's model and AdamW groups; lr and momentum
following fastai's fit_one_cycle (cosine warm-up over 25 % of the steps from lr/25, cosine decay
to lr/1e5; momentum 0.95 -> 0.85 -> 0.95); validation loss and error rate without gradients.

usage: e2e_torch.py '{"dir": ..., "size": 128, "bs": 32, "epochs": 1, "lr": 1e-3}'
Prints one JSON line (see e2e-worker.ts), plus the largest peak RSS among the loader workers.
"""
import math
import os
import resource

import torch
import torch.nn.functional as F
import torchvision.transforms as T
from torchvision.datasets import ImageFolder

from fastai_twin import adamw, build, config, cpu_seconds, emit, now, preprocess, rss_mib, set_hypers


def sched_cos(start, end, pos):
    return start + (1 + math.cos(math.pi * (1 - pos))) * (end - start) / 2


def combined_cos(pct, start, middle, end, pos):
    if pos < pct:
        return sched_cos(start, middle, pos / pct)
    return sched_cos(middle, end, (pos - pct) / (1 - pct))


def main():
    cfg = config()
    start = now()
    cpu = cpu_seconds()
    size, bs = cfg["size"], cfg["bs"]
    workers = len(os.sched_getaffinity(0))
    train_ds = ImageFolder(os.path.join(cfg["dir"], "train"),
                           transform=T.Compose([T.RandomResizedCrop(size, scale=(0.35, 1)), T.PILToTensor()]))
    valid_ds = ImageFolder(os.path.join(cfg["dir"], "valid"),
                           transform=T.Compose([T.Resize(int(size * 1.14)), T.CenterCrop(size), T.PILToTensor()]))
    train_dl = torch.utils.data.DataLoader(train_ds, batch_size=bs, shuffle=True, drop_last=True, num_workers=workers)
    valid_dl = torch.utils.data.DataLoader(valid_ds, batch_size=bs, num_workers=workers)
    model = build(len(train_ds.classes))
    opt = adamw(model)
    total_steps = cfg["epochs"] * len(train_dl)
    lr = cfg["lr"]
    train_seconds, valid_seconds = [], []
    fit_start = now()
    step = 0
    for _ in range(cfg["epochs"]):
        t = now()
        model.train()
        for images, labels in train_dl:
            pos = step / total_steps
            set_hypers(opt, [combined_cos(0.25, lr / 25, lr, lr / 1e5, pos)] * 3, mom=combined_cos(0.25, 0.95, 0.85, 0.95, pos))
            loss = F.cross_entropy(model(preprocess(images, False)), labels)
            loss.backward()
            opt.step()
            opt.zero_grad()
            loss.item()
            step += 1
        train_seconds.append(now() - t)
        t = now()
        model.eval()
        loss_sum, errors, n = 0.0, 0, 0
        with torch.inference_mode():
            for images, labels in valid_dl:
                out = model(preprocess(images, False))
                loss_sum += F.cross_entropy(out, labels).item() * len(labels)
                errors += (out.argmax(1) != labels).sum().item()
                n += len(labels)
        valid_seconds.append(now() - t)
    end = now()
    emit({
        "totalSeconds": end - start, "fitSeconds": end - fit_start, "trainSeconds": train_seconds,
        "validSeconds": valid_seconds, "trainImages": len(train_dl) * bs, "validImages": n, "validLoss": loss_sum / n,
        "errorRate": errors / n, "peakMiB": rss_mib("VmHWM"),
        "workerPeakMiB": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "cpuSeconds": cpu_seconds() - cpu, "decodeWorkers": workers,
    })


if __name__ == "__main__":
    main()
