"""PyTorch's DistributedDataParallel twin of a two-process fasttune run.

fastai's ResNet-34 model (head dropout 0, so both sides draw nothing) is saved as `initial.pth`;
two processes join a Gloo group on 127.0.0.1, wrap it in DDP (rank 0's weights and buffers
broadcast, gradients averaged in buckets, buffers broadcast from rank 0 before each forward) and
take STEPS steps of fastai's Adam, each rank on its own batches. Rank 0 writes its final weights
and buffers (DDP keeps the ranks' weights equal); test/native/distributed.test.ts runs the
same on fasttune's c10d ranks and compares.
"""
import datetime
import os
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from common import deterministic, out_dir, versions, write_safetensors
from fastai_resnet import MEAN, STD, resnet34_with_head

N_OUT = 3
BS = 4
SIZE = 64  # at 32 px layer4's BatchNorm sees 1x1 maps of 4 images: too ill-conditioned for float32
STEPS = 3
WORLD = 2
HYPERS = dict(lr=1e-3, mom=0.9, sqrMom=0.99, eps=1e-5, wd=0.01)


def is_norm_param(model, name):
    return isinstance(model.get_submodule(name.rsplit(".", 1)[0]), (nn.BatchNorm1d, nn.BatchNorm2d))


def optimizer(model):
    """fastai's Adam as the native step applies it: decoupled weight decay, none on BatchNorm and biases."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if is_norm_param(model, name) or name.endswith("bias") else decay).append(p)
    h = HYPERS
    adam = dict(lr=h["lr"], betas=(h["mom"], h["sqrMom"]), eps=h["eps"])
    return torch.optim.AdamW([{"params": decay, "weight_decay": h["wd"]}, {"params": no_decay, "weight_decay": 0.0}], **adam)


def model_without_dropout():
    """fastai's head with ps=0, which has no Dropout layers at all (LinBnDrop adds one only for p > 0)."""
    _, body, head = resnet34_with_head(N_OUT)
    return nn.Sequential(body, nn.Sequential(*[m for m in head if not isinstance(m, nn.Dropout)]))


def rank_main(rank, port, out, data):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=WORLD,
                            timeout=datetime.timedelta(seconds=120))
    model = model_without_dropout()
    model.load_state_dict(torch.load(os.path.join(out, "initial.pth")))
    ddp = DistributedDataParallel(model)
    opt = optimizer(ddp.module)
    model.train()
    losses = []
    for step in range(STEPS):
        images, labels = data[f"rank{rank}.images"][step], data[f"rank{rank}.labels"][step]
        x = (images.permute(0, 3, 1, 2).contiguous().float().div(255) - MEAN) / STD  # NCHW, as the native step
        loss = F.cross_entropy(ddp(x), labels)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=False)
        losses.append(loss.item())
    if rank == 0:
        write_safetensors(os.path.join(out, "final.safetensors"), model.state_dict(), {"losses": losses})
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    out = out_dir()
    deterministic(0)
    model = model_without_dropout()
    with torch.no_grad():  # statistics of a "pretrained" body, not of a fresh init
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.8, 1.2)
                m.bias.uniform_(-0.1, 0.1)
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    torch.save(model.state_dict(), os.path.join(out, "initial.pth"))
    g = torch.Generator().manual_seed(7)
    data = {}
    # A colour per class under noise: pure noise images pool to nearly the same features, and the
    # head's BatchNorm over 4 of them would divide by a variance of float32 noise.
    colours = torch.tensor([[190.0, 80.0, 70.0], [80.0, 180.0, 90.0], [80.0, 90.0, 190.0]])
    for rank in range(WORLD):
        labels = torch.randint(0, N_OUT, (STEPS, BS), generator=g)
        noise = torch.randn(STEPS, BS, SIZE, SIZE, 3, generator=g) * 55
        data[f"rank{rank}.images"] = (colours[labels].view(STEPS, BS, 1, 1, 3) + noise).round().clamp(0, 255).to(torch.uint8)
        data[f"rank{rank}.labels"] = labels
    write_safetensors(os.path.join(out, "data.safetensors"), data,
                      {"nOut": N_OUT, "steps": STEPS, "hypers": HYPERS,
                       **versions()})
    # Single-threaded ranks, BLAS included (the test starts fasttune's ranks the same way): the
    # sums then run in one order on both sides.
    os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    mp.spawn(rank_main, args=(free_port(), out, data), nprocs=WORLD, join=True)
