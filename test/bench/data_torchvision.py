"""torchvision twin of test/bench/data-worker.ts: decode + presize + crop to 224 with a DataLoader.

usage: data_torchvision.py <image folder> <epochs> <batch size> <size> <workers>
Prints one JSON line: per epoch the seconds, images, and CPU seconds of the main process and of
all its loader workers (Linux /proc).
"""
import json
import os
import sys
import time

import torch
import torchvision.transforms as T
from torchvision.datasets import ImageFolder


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(") ", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    root, epochs, bs, size, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.manual_seed(0)
    # PIL decode + convert('RGB'), short side to `size` (bilinear, antialiased), random crop, uint8 CHW
    tfm = T.Compose([T.Resize(size), T.RandomCrop(size), T.PILToTensor()])
    ds = ImageFolder(root, transform=tfm)
    dl = torch.utils.data.DataLoader(ds, batch_size=bs, shuffle=True, drop_last=True, num_workers=workers, persistent_workers=workers > 0)
    seconds, images, cpu, main_cpu = [], [], [], []
    for _ in range(epochs):
        start = time.perf_counter()
        main_before = cpu_seconds(os.getpid())
        it = iter(dl)  # starts the workers on the first epoch (persistent afterwards)
        pids = [w.pid for w in getattr(it, "_workers", [])]
        workers_before = sum(cpu_seconds(p) for p in pids)
        n = 0
        for x, _y in it:
            assert x.dtype == torch.uint8 and x.shape[1:] == (3, size, size)
            n += x.shape[0]
        seconds.append(time.perf_counter() - start)
        images.append(n)
        main_cpu.append(cpu_seconds(os.getpid()) - main_before)
        cpu.append(main_cpu[-1] + sum(cpu_seconds(p) for p in pids) - workers_before)
    print(json.dumps({"seconds": seconds, "images": images, "cpu": cpu, "mainCpu": main_cpu, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
