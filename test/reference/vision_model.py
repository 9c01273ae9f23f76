"""fastai's ResNet-34 learner model in plain PyTorch: the reference for the native VisionModel.

Builds Sequential(body, head) from torchvision's resnet34 as fastai does (spec 1.2-1.6, 14.1), gives it
seeded random weights with non-trivial BatchNorm statistics, saves them (our keys and torchvision's
keys, each as .pth and .safetensors), and records names and shapes, forward passes, gradients and
optimizer trajectories (spec 14.2: AdamW in six groups; SGD with decoupled weight decay).

Dropout: the native model draws its masks from its own generator exactly as PyTorch's CPU dropout
draws them from the global one (bernoulli(1 - p) in a float tensor of the input's shape, divided by
1 - p), so seeding both generators alike gives identical masks. Every train-mode pass here seeds
the global generator with DROP_SEED first (trajectories: once, before their first step); the tests
call model.seed(DROP_SEED) at the same points.
"""
import copy
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from common import deterministic, out_dir, versions, write_safetensors
from fastai_resnet import MEAN, STD, resnet34_with_head

N_OUT = 5
SIZE = 64
BS = 4
DROP_SEED = 1234

out = out_dir()
deterministic(0)


def build():
    resnet, body, head = resnet34_with_head(N_OUT)
    with torch.no_grad():  # BatchNorm away from its init, so eval mode means something
        for m in resnet.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.weight.uniform_(0.8, 1.2)
                m.bias.uniform_(-0.1, 0.1)
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.num_batches_tracked.fill_(7)
        for m in head.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    return resnet, nn.Sequential(body, head)


def is_norm_param(model, name):
    module = model.get_submodule(name.rsplit(".", 1)[0])
    return isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d))


def group_of(name):
    if name.startswith("1."):
        return 2
    return 0 if int(name.split(".")[1]) < 6 else 1


def preprocess(images):
    """uint8 NHWC -> normalized float NCHW, contiguous like fastai's collated batches."""
    x = images.permute(0, 3, 1, 2).contiguous().float().div(255)
    return (x - MEAN) / STD


def batch(seed):
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (BS, SIZE, SIZE, 3), dtype=torch.uint8, generator=g)
    labels = torch.randint(0, N_OUT, (BS,), generator=g)
    return images, labels


def set_frozen(model, frozen):
    """Freezing as fastai's freeze() with train_bn: body groups off except BatchNorm."""
    for name, p in model.named_parameters():
        p.requires_grad_(not frozen or group_of(name) == 2 or is_norm_param(model, name))


def torch_groups(model):
    """Each fastai group split into weight-decayed and not (BatchNorm, biases): 6 torch groups."""
    groups = []
    for g in range(3):
        for decay in (True, False):
            params = [p for n, p in model.named_parameters()
                      if group_of(n) == g and decay == (not is_norm_param(model, n) and not n.endswith("bias"))]
            groups.append({"params": params, "fastai_group": g, "decay": decay})
    return groups


def set_hypers(opt, hypers, sgd):
    for tg in opt.param_groups:
        h = hypers[tg["fastai_group"]]
        tg["lr"] = h["lr"]
        if sgd:
            tg["momentum"] = h["mom"]
            tg["weight_decay"] = 0.0  # applied decoupled, by apply_decoupled_wd
        else:
            tg["betas"] = (h["mom"], h["sqrMom"])
            tg["eps"] = h["eps"]
            tg["weight_decay"] = h["wd"] if tg["decay"] else 0.0


def apply_decoupled_wd(opt, hypers):
    """fastai's SGD decays first, p *= 1 - lr*wd, only params with a gradient (torch's SGD has L2 only)."""
    with torch.no_grad():
        for tg in opt.param_groups:
            wd = hypers[tg["fastai_group"]]["wd"] if tg["decay"] else 0.0
            for p in tg["params"]:
                if p.grad is not None and wd != 0:
                    p.mul_(1 - tg["lr"] * wd)


def step_hypers(k, sgd):
    """Different lr, mom and wd per group and per step."""
    base_lr = [2e-4, 5e-4, 2e-3] if not sgd else [1e-3, 2e-3, 1e-2]
    return [{"lr": base_lr[g] * (1 + 0.5 * k), "mom": [0.95, 0.9, 0.85][g] - 0.01 * k, "sqrMom": 0.99,
             "eps": 1e-5, "wd": [0.01, 0.02, 0.05][g]} for g in range(3)]


def trajectory(initial, sgd, frozen_steps, total_steps):
    """`frozen_steps` steps with the body frozen, then unfrozen (fresh optimizer) until `total_steps`."""
    model = copy.deepcopy(initial)
    losses = []
    batches = {}

    def make():
        groups = torch_groups(model)
        if sgd:
            return torch.optim.SGD(groups, lr=0.0, momentum=0.9)
        return torch.optim.AdamW(groups, lr=0.0, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01)

    set_frozen(model, True)
    opt = make()
    after_frozen = None
    torch.manual_seed(DROP_SEED)
    for k in range(total_steps):
        if k == frozen_steps:
            after_frozen = {n: t.clone() for n, t in model.state_dict().items()}
            set_frozen(model, False)
            opt = make()
        images, labels = batch(100 + k)
        batches[f"batch{k}.images"] = images
        batches[f"batch{k}.labels"] = labels.int()
        model.train()
        loss = F.cross_entropy(model(preprocess(images)), labels)
        loss.backward()
        set_hypers(opt, step_hypers(k, sgd), sgd)
        if sgd:
            apply_decoupled_wd(opt, step_hypers(k, sgd))
        opt.step()
        opt.zero_grad(set_to_none=False)
        losses.append(loss.item())
    return model, opt, losses, after_frozen, batches


resnet, model = build()

# Weights, in both formats and both key sets.
state = model.state_dict()
torch.save(state, os.path.join(out, "weights.pth"))
write_safetensors(os.path.join(out, "weights.safetensors"), state)
tv_state = resnet.state_dict()
torch.save(tv_state, os.path.join(out, "torchvision.pth"))
write_safetensors(os.path.join(out, "torchvision.safetensors"), tv_state)

# Names, shapes, groups and counts.
frozen_model = copy.deepcopy(model)
set_frozen(frozen_model, True)
write_safetensors(os.path.join(out, "structure.safetensors"), {}, {
    "versions": versions(),
    "torchvision": [[k, list(v.shape)] for k, v in tv_state.items()],
    "model": [[k, list(v.shape)] for k, v in state.items()],
    "params": [[n, list(p.shape), group_of(n), is_norm_param(model, n)] for n, p in model.named_parameters()],
    "numBodyParams": sum(p.numel() for p in model[0].parameters()),
    "numHeadParams": sum(p.numel() for p in model[1].parameters()),
    "numTrainableFrozen": sum(p.numel() for p in frozen_model.parameters() if p.requires_grad),
    "numBodyNormParams": sum(p.numel() for n, p in model[0].named_parameters() if is_norm_param(model[0], n)),
    "groupTensors": [sum(1 for n, _ in model.named_parameters() if group_of(n) == g) for g in range(3)],
    "groupParams": [sum(p.numel() for n, p in model.named_parameters() if group_of(n) == g) for g in range(3)],
})

# Forward passes on one batch from the initial weights.
images, labels = batch(7)
fwd = {"images": images, "labels": labels.int()}
with torch.no_grad():
    m = copy.deepcopy(model).eval()
    logits = m(preprocess(images))
    fwd["logits_eval"] = logits
    fwd["loss_eval"] = F.cross_entropy(logits, labels).reshape(1)
    fwd["loss_eval_smooth"] = F.cross_entropy(logits, labels, label_smoothing=0.1).reshape(1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        fwd["logits_eval_bf16"] = m(preprocess(images)).float()
    cl = copy.deepcopy(m).to(memory_format=torch.channels_last)
    fwd["logits_eval_channels_last"] = cl(preprocess(images).contiguous(memory_format=torch.channels_last))
    m.train()
    torch.manual_seed(DROP_SEED)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        fwd["logits_train_bf16"] = m(preprocess(images)).float()
    m.load_state_dict(model.state_dict())  # undo that pass's BatchNorm statistics

    torch.manual_seed(DROP_SEED)
    logits = m(preprocess(images))
    fwd["logits_train"] = logits
    fwd["loss_train"] = F.cross_entropy(logits, labels).reshape(1)
    fwd["running_mean_after_train"] = m[0][1].running_mean  # bn1 of the stem
write_safetensors(os.path.join(out, "forward.safetensors"), fwd,
                  {"dropSeed": DROP_SEED, "nOut": N_OUT, "threads": torch.get_num_threads()})

# Gradients after one backward in train mode, unfrozen and frozen.
for name, frozen in (("grads", False), ("grads_frozen", True)):
    m = copy.deepcopy(model)
    set_frozen(m, frozen)
    m.train()
    torch.manual_seed(DROP_SEED)
    F.cross_entropy(m(preprocess(images)), labels).backward()
    write_safetensors(os.path.join(out, f"{name}.safetensors"),
                      {n: p.grad for n, p in m.named_parameters() if p.grad is not None},
                      {"withoutGrad": [n for n, p in m.named_parameters() if p.grad is None]})

# Optimizer trajectories: three (Adam) / two (SGD) frozen steps, then two unfrozen.
for name, sgd, frozen_steps in (("adam", False, 3), ("sgd", True, 2)):
    total = frozen_steps + 2
    final, opt, losses, after_frozen, batches = trajectory(model, sgd, frozen_steps, total)
    tensors = {f"final.{n}": t for n, t in final.state_dict().items()}
    tensors.update(batches)
    # After the frozen phase: what could change (trainable params and all buffers).
    trainable = {n for n, p in frozen_model.named_parameters() if p.requires_grad}
    for n, t in after_frozen.items():
        if n in trainable or n not in dict(frozen_model.named_parameters()):
            tensors[f"frozen.{n}"] = t
    for n, p in final.named_parameters():  # optimizer state of the head, fastai's names
        if n.startswith("1."):
            st = opt.state[p]
            tensors[f"state.{n}.grad_avg"] = st["exp_avg"] if not sgd else st["momentum_buffer"]
            if not sgd:
                tensors[f"state.{n}.sqr_avg"] = st["exp_avg_sq"]
                tensors[f"state.{n}.step"] = st["step"].long().reshape(())
    tensors["losses"] = torch.tensor(losses, dtype=torch.float64)
    write_safetensors(os.path.join(out, f"{name}.safetensors"), tensors, {
        "dropSeed": DROP_SEED, "frozenSteps": frozen_steps, "steps": total,
        "hypers": [step_hypers(k, sgd) for k in range(total)],
    })
