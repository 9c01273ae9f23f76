"""Where a step's time goes, by operator, in the PyTorch twin: the same LibTorch build and oneDNN
kernels fasttune runs, so the shares say how much of a step any library could win without faster
convolutions. Not a test.

usage: /usr/bin/python3 test/bench/profile_torch.py [train|eval] [bs] [size] [steps]
Prints wall time per phase (forward, backward, optimizer), the share of self CPU time by operator
family, then the top operators.
"""
import os
import sys
import time

import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile

from fastai_twin import adamw, build, preprocess, set_hypers

FAMILIES = [
    ("convolution, forward and backward", ("convolution", "conv2d")),
    ("batch norm", ("batch_norm",)),
    ("max pool", ("max_pool",)),
]


def family(name):
    for label, keys in FAMILIES:
        if any(k in name for k in keys):
            return label
    return "other"


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "train"
    bs = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    torch.manual_seed(0)
    model = build(10)
    opt = adamw(model)
    images = torch.randint(0, 256, (bs, size, size, 3), dtype=torch.uint8)
    labels = torch.randint(0, 10, (bs,))

    phases = {}

    def timed(name, f):
        start = time.perf_counter()
        out = f()
        phases[name] = phases.get(name, 0.0) + time.perf_counter() - start
        return out

    def step():
        if mode == "train":
            model.train()
            set_hypers(opt, [1e-3] * 3)
            loss = timed("forward", lambda: F.cross_entropy(model(preprocess(images, False)), labels))
            timed("backward", loss.backward)
            timed("optimizer (step + zero_grad)", lambda: (opt.step(), opt.zero_grad()))
        else:
            model.eval()
            with torch.inference_mode():
                timed("forward", lambda: model(preprocess(images, False)).softmax(1))

    step()  # warm-up: oneDNN primitives, allocator
    phases.clear()
    for _ in range(steps):
        step()
    measured = dict(phases)
    wall = sum(measured.values())
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    shares = {}
    for e in events:
        shares[family(e.key)] = shares.get(family(e.key), 0) + e.self_cpu_time_total
    print(f"{mode} bs {bs} @ {size} px, {steps} steps, torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"wall time per step {wall / steps:.3f} s (without the profiler)")
    for name, t in measured.items():
        print(f"  {name:36s} {100 * t / wall:5.1f} %")
    print("self CPU time under the profiler, by operator family:")
    for label, t in sorted(shares.items(), key=lambda kv: -kv[1]):
        print(f"  {label:36s} {100 * t / total:5.1f} %")
    print(events.table(sort_by="self_cpu_time_total", row_limit=12))


if __name__ == "__main__":
    main()
