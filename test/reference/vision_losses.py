"""The losses of the native step against PyTorch and fastai's definitions: loss values and gradients.

One seeded fastai ResNet-34 learner model (5 outputs) and one batch of 4 images. For every loss the
model runs one train-mode forward (dropout seeded with DROP_SEED, as the tests seed the native
model), the loss as fastai's *LossFlat computes it, and backward; the loss and the head's gradients
(which carry dL/d outputs) are recorded. Also: one SGD step after clipping the global gradient
norm (torch.nn.utils.clip_grad_norm_), and a model with y_range (fastai's SigmoidRange after the
head) under MSE.

fastai's definitions used here (fastai/losses.py):
- CrossEntropyLossFlat(weight, label_smoothing) is nn.CrossEntropyLoss over the flattened batch;
- FocalLossFlat(gamma, weight): ce = F.cross_entropy(reduction='none', weight); mean((1 - exp(-ce))**gamma * ce);
- BCEWithLogitsLossFlat is nn.BCEWithLogitsLoss on float targets, mean over every element;
- MSELossFlat / L1LossFlat are nn.MSELoss / nn.L1Loss over the flattened values.
"""
import copy
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import deterministic, out_dir, write_safetensors
from fastai_resnet import MEAN, STD, resnet34_with_head

N_OUT = 5
SIZE = 32
BS = 4
DROP_SEED = 99
WEIGHT = [0.5, 1.0, 2.0, 1.5, 0.25]
Y_RANGE = (-1.0, 2.0)
CLIP = 0.05
LR = 0.1

out = out_dir()
deterministic(0)
torch.set_num_threads(1)


class SigmoidRange(nn.Module):
    def __init__(self, low, high):
        super().__init__()
        self.low, self.high = low, high

    def forward(self, x):
        return torch.sigmoid(x) * (self.high - self.low) + self.low


_, model = (lambda r: (r[0], nn.Sequential(r[1], r[2])))(resnet34_with_head(N_OUT))
with torch.no_grad():  # BatchNorm away from its init
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.weight.uniform_(0.8, 1.2)
            m.bias.uniform_(-0.1, 0.1)

g = torch.Generator().manual_seed(7)
images = torch.randint(0, 256, (BS, SIZE, SIZE, 3), dtype=torch.uint8, generator=g)
labels = torch.randint(0, N_OUT, (BS,), generator=g)
multi_hot = (torch.rand(BS, N_OUT, generator=g) < 0.4).float()
values = torch.randn(BS, N_OUT, generator=g)
in_range = torch.rand(BS, N_OUT, generator=g) * 2.5 - 0.9  # inside Y_RANGE
weight = torch.tensor(WEIGHT)


def preprocess(x):
    x = x.permute(0, 3, 1, 2).contiguous().float().div(255)
    return (x - MEAN) / STD


def focal(out, targ, gamma, w=None):
    ce = F.cross_entropy(out, targ, weight=w, reduction="none")
    return ((1 - torch.exp(-ce)) ** gamma * ce).mean()


CASES = {
    "ce": lambda o: F.cross_entropy(o, labels),
    "ce_weight": lambda o: F.cross_entropy(o, labels, weight=weight),
    "ce_weight_smooth": lambda o: F.cross_entropy(o, labels, weight=weight, label_smoothing=0.1),
    "focal": lambda o: focal(o, labels, 2.0),
    "focal_weight": lambda o: focal(o, labels, 1.5, weight),
    "bce": lambda o: F.binary_cross_entropy_with_logits(o, multi_hot),
    "bce_weight": lambda o: F.binary_cross_entropy_with_logits(o, multi_hot, weight=weight),
    "mse": lambda o: F.mse_loss(o.view(-1), values.view(-1)),
    "l1": lambda o: F.l1_loss(o.view(-1), values.view(-1)),
}

write_safetensors(os.path.join(out, "weights.safetensors"), model.state_dict())
tensors = {"images": images, "labels": labels.int(), "multi_hot": multi_hot, "values": values, "in_range": in_range}


def head_grads(prefix, m):
    for n, p in m.named_parameters():
        if n.startswith("1."):
            tensors[f"{prefix}.grad.{n}"] = p.grad.clone()


for name, loss_of in CASES.items():
    m = copy.deepcopy(model).train()
    torch.manual_seed(DROP_SEED)
    loss = loss_of(m(preprocess(images)))
    loss.backward()
    tensors[f"{name}.loss"] = loss.detach().reshape(1)
    head_grads(name, m)

# y_range: SigmoidRange after the head, MSE on targets inside the range.
m = nn.Sequential(copy.deepcopy(model), SigmoidRange(*Y_RANGE)).train()
torch.manual_seed(DROP_SEED)
outputs = m(preprocess(images))
loss = F.mse_loss(outputs.view(-1), in_range.view(-1))
loss.backward()
tensors["yrange.outputs"] = outputs.detach()
tensors["yrange.loss"] = loss.detach().reshape(1)
head_grads("yrange", m[0])

# One plain SGD step (no momentum, no weight decay) after clipping the global gradient norm.
m = copy.deepcopy(model).train()
torch.manual_seed(DROP_SEED)
F.cross_entropy(m(preprocess(images)), labels).backward()
tensors["clip.norm"] = torch.nn.utils.clip_grad_norm_(m.parameters(), CLIP).reshape(1)
with torch.no_grad():
    for p in m.parameters():
        p -= LR * p.grad
for n in ("0.0.weight", "1.6.weight", "1.8.weight"):
    tensors[f"clip.after.{n}"] = m.state_dict()[n]

# Per-item losses (get_preds with_loss) of fixed outputs: reduction 'none'; BCE, MSE and L1 averaged
# over each item's outputs.
logits = torch.randn(6, N_OUT, generator=g) * 2
item_labels = torch.randint(0, N_OUT, (6,), generator=g)
item_hot = (torch.rand(6, N_OUT, generator=g) < 0.4).float()
item_values = torch.randn(6, N_OUT, generator=g)
tensors.update({"items.logits": logits, "items.labels": item_labels.int(), "items.multi_hot": item_hot, "items.values": item_values})
ce_items = lambda w=None, ls=0.0: F.cross_entropy(logits, item_labels, weight=w, label_smoothing=ls, reduction="none")
tensors["items.ce_weight_smooth"] = ce_items(weight, 0.1)
tensors["items.focal_weight"] = (1 - torch.exp(-ce_items(weight))) ** 1.5 * ce_items(weight)
tensors["items.bce_weight"] = F.binary_cross_entropy_with_logits(logits, item_hot, weight=weight, reduction="none").mean(1)
tensors["items.mse"] = F.mse_loss(logits, item_values, reduction="none").mean(1)
tensors["items.l1"] = F.l1_loss(logits, item_values, reduction="none").mean(1)

write_safetensors(os.path.join(out, "losses.safetensors"), tensors,
                  {"dropSeed": DROP_SEED, "nOut": N_OUT, "weight": WEIGHT, "yRange": list(Y_RANGE), "clip": CLIP, "lr": LR,
                   "cases": list(CASES)})
