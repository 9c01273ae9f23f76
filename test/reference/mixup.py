"""MixUp and CutMix in the native step against fastai's MixHandler (fastai/callback/mixup.py).

For given draws (a permutation, λ per item for MixUp; λ and a box for CutMix) the normalized
images are mixed as fastai mixes them, one seeded train-mode forward of a fastai ResNet-34 learner
model (5 outputs, 4 images of 32 x 32) runs on them, and the loss as fastai's MixHandler computes
it is backpropagated; the loss and the head's gradients (which carry dL/d outputs) are recorded.

- class-index losses (fastai's y_int: cross-entropy, with and without label smoothing and class
  weights): lerp(L(pred, y[shuffle]), L(pred, y), λ) per item with reduction 'none', then the mean
  (fastai's NoneReduce and reduce_loss);
- float targets (BCE with logits on multi-hot rows, MSE on values): the targets are lerped,
  lerp(y[shuffle], y, λ), and the usual loss reads them.

Also CutMix's box: fastai's rand_bbox (float32 cut ratio, torch.round halves to even, clamped to
the image) and the λ that follows, for given (λ, cx, cy) and image sizes.
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
SMOOTH = 0.1

out = out_dir()
deterministic(0)

model = (lambda r: nn.Sequential(r[1], r[2]))(resnet34_with_head(N_OUT))
with torch.no_grad():  # BatchNorm away from its init
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.weight.uniform_(0.8, 1.2)
            m.bias.uniform_(-0.1, 0.1)

g = torch.Generator().manual_seed(11)
images = torch.randint(0, 256, (BS, SIZE, SIZE, 3), dtype=torch.uint8, generator=g)
labels = torch.randint(0, N_OUT, (BS,), generator=g)
multi_hot = (torch.rand(BS, N_OUT, generator=g) < 0.4).float()
values = torch.randn(BS, N_OUT, generator=g)
weight = torch.tensor(WEIGHT)


def preprocess(x):
    x = x.permute(0, 3, 1, 2).contiguous().float().div(255)
    return (x - MEAN) / STD


def rand_bbox(W, H, lam, cx, cy):
    """fastai's CutMix.rand_bbox with the centre given."""
    cut_rat = torch.sqrt(1.0 - lam)
    cut_w = torch.round(W * cut_rat).type(torch.long)
    cut_h = torch.round(H * cut_rat).type(torch.long)
    x1 = torch.clamp(cx - cut_w // 2, 0, W)
    y1 = torch.clamp(cy - cut_h // 2, 0, H)
    x2 = torch.clamp(cx + cut_w // 2, 0, W)
    y2 = torch.clamp(cy + cut_h // 2, 0, H)
    return x1, y1, x2, y2


# The draws, made here with torch's own samplers (the tests hand them to the native step).
beta_mix = torch.distributions.Beta(torch.tensor(0.4), torch.tensor(0.4))
torch.manual_seed(23)  # a derangement, every λ below 0.9: every item visibly mixed
mix_lam = beta_mix.sample((BS,))
mix_lam = torch.stack([mix_lam, 1 - mix_lam], 1).max(1)[0]
mix_shuffle = torch.randperm(BS)
cut_drawn = torch.distributions.Beta(torch.tensor(1.0), torch.tensor(1.0)).sample((1,))
cut_shuffle = torch.randperm(BS)
cut_cx = torch.randint(0, SIZE, (1,))
cut_cy = torch.randint(0, SIZE, (1,))
x1, y1, x2, y2 = rand_bbox(SIZE, SIZE, cut_drawn, cut_cx, cut_cy)
cut_lam = 1 - ((x2 - x1) * (y2 - y1)) / float(SIZE * SIZE)
assert 0 < (x2 - x1) * (y2 - y1) < SIZE * SIZE  # a box that mixes something, not everything
cut_box = torch.cat([x1, y1, x2, y2]).int()


def mixup_images(x):
    return torch.lerp(x[mix_shuffle], x, mix_lam.view(-1, 1, 1, 1))


def cutmix_images(x):
    x = x.clone()
    xb1 = x[cut_shuffle]
    x[..., y1:y2, x1:x2] = xb1[..., y1:y2, x1:x2]
    return x


def class_loss(item_loss, shuffle, lam):
    """fastai's MixHandler.lf for y_int losses: per-item lerp, then reduction 'mean'."""
    return lambda o: torch.lerp(item_loss(o, labels[shuffle]), item_loss(o, labels), lam).mean()


def target_loss(loss, targets, shuffle, lam):
    """fastai's MixHandler for float targets: the targets are lerped, the loss is the usual one."""
    mixed = torch.lerp(targets[shuffle], targets, lam.view(-1, *([1] * (targets.dim() - 1))))
    return lambda o: loss(o, mixed), mixed


ce = lambda o, y: F.cross_entropy(o, y, reduction="none")
ce_smooth = lambda o, y: F.cross_entropy(o, y, label_smoothing=SMOOTH, reduction="none")
ce_weight = lambda o, y: F.cross_entropy(o, y, weight=weight, reduction="none")
bce = lambda o, y: F.binary_cross_entropy_with_logits(o, y)
mse = lambda o, y: F.mse_loss(o.view(-1), y.view(-1))

tensors = {
    "images": images,
    "labels": labels.int(),
    "multi_hot": multi_hot,
    "values": values,
    "mixup.shuffle": mix_shuffle.int(),
    "mixup.lam": mix_lam,
    "cutmix.shuffle": cut_shuffle.int(),
    "cutmix.lam": cut_lam.expand(BS).contiguous(),
    "cutmix.box": cut_box,
}
CASES = {}
for kind, mix_images, shuffle, lam in (
    ("mixup", mixup_images, mix_shuffle, mix_lam),
    ("cutmix", cutmix_images, cut_shuffle, cut_lam),
):
    CASES[f"{kind}.ce"] = mix_images, class_loss(ce, shuffle, lam)
    CASES[f"{kind}.ce_smooth"] = mix_images, class_loss(ce_smooth, shuffle, lam)
    CASES[f"{kind}.ce_weight"] = mix_images, class_loss(ce_weight, shuffle, lam)
    CASES[f"{kind}.bce"] = mix_images, target_loss(bce, multi_hot, shuffle, lam)[0]
    CASES[f"{kind}.mse"] = mix_images, target_loss(mse, values, shuffle, lam)[0]

write_safetensors(os.path.join(out, "weights.safetensors"), model.state_dict())

for name, (mix_images, loss_of) in CASES.items():
    m = copy.deepcopy(model).train()
    torch.manual_seed(DROP_SEED)
    loss = loss_of(m(mix_images(preprocess(images))))
    loss.backward()
    tensors[f"{name}.loss"] = loss.detach().reshape(1)
    for n, p in m.named_parameters():
        if n.startswith("1."):
            tensors[f"{name}.grad.{n}"] = p.grad.clone()

# CutMix boxes: rand_bbox for drawn and crafted (λ, cx, cy) on a few image sizes. λ = 3007/4096
# makes 32·√(1−λ) = 16.5 exactly (torch.round gives 16); λ 0 and 1 are the ends.
boxes = []
gen = torch.Generator().manual_seed(3)
beta_box = torch.distributions.Beta(torch.tensor(1.0), torch.tensor(1.0))
torch.manual_seed(8)
cases = [(32, 32, 3007 / 4096, 16, 16), (32, 32, 0.0, 3, 30), (32, 32, 1.0, 5, 5), (7, 5, 0.5, 0, 4)]
for _ in range(40):
    w, h = (int(v) for v in torch.randint(1, 65, (2,), generator=gen))
    cases.append((w, h, float(beta_box.sample()), int(torch.randint(0, w, (1,), generator=gen)), int(torch.randint(0, h, (1,), generator=gen))))
for w, h, lam, cx, cy in cases:
    lam_t = torch.tensor([lam], dtype=torch.float32)
    bx1, by1, bx2, by2 = rand_bbox(w, h, lam_t, torch.tensor([cx]), torch.tensor([cy]))
    after = 1 - ((bx2 - bx1) * (by2 - by1)) / float(w * h)
    boxes.append([w, h, float(lam_t), cx, cy, int(bx1), int(by1), int(bx2), int(by2), float(after)])
tensors["boxes"] = torch.tensor(boxes, dtype=torch.float64)

write_safetensors(
    os.path.join(out, "mixup.safetensors"),
    tensors,
    {"dropSeed": DROP_SEED, "nOut": N_OUT, "weight": WEIGHT, "smooth": SMOOTH, "cases": list(CASES)},
)
