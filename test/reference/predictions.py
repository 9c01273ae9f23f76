"""References for everything after training: predictions, per-item losses, TTA, interpretation.

1. A small fastai ResNet-34 learner model (spec 1.4, 14.1; 3 classes, seeded random weights and
   BatchNorm statistics) in eval mode on a few uint8 images, preprocessed as the native model does
   ((x/255 - mean)/std, spec 9.9): logits, softmax probabilities, per-item cross-entropy with and
   without label smoothing (spec 10); and after the validation resize of aug_transforms(size=24)
   (spec 9.7). The tests feed the same pixels as PNG files.
2. Per-item losses on fixed logits (nn.CrossEntropyLoss(reduction='none', label_smoothing)).
3. TTA's combination (spec 10): A = mean (or max) of the augmented passes, lerp(A, P, beta), max.
4. Interpretation on a fixed prediction set (spec 12): confusion matrix (fastai's formula),
   most_confused (fastai's algorithm: np.where order, stable sort by count), top_losses (topk).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import deterministic, out_dir, versions, write_safetensors
from fastai_resnet import MEAN, STD, resnet34_with_head

N_OUT = 3
SIZE = 32
N_IMAGES = 6

out = out_dir()
deterministic(0)


def build():
    resnet, body, head = resnet34_with_head(N_OUT)
    model = nn.Sequential(body, head)
    with torch.no_grad():  # BatchNorm away from its init, so that eval mode matters
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.weight.uniform_(0.8, 1.2)
                m.bias.uniform_(-0.1, 0.1)
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.num_batches_tracked.fill_(3)
    return model.eval()


# 1. The model on images.
model = build()
images = torch.randint(0, 256, (N_IMAGES, SIZE, SIZE, 3), dtype=torch.uint8)
labels = torch.tensor([0, 1, 2, 2, 1, 0], dtype=torch.int64)
# Contiguous NCHW as the native model feeds it (a permuted tensor would take channels-last kernels).
x = ((images.permute(0, 3, 1, 2).float() / 255 - MEAN) / STD).contiguous()
with torch.no_grad():
    logits = model(x)
    # One image at a time, as predict runs it (a batch of one takes other kernel paths).
    single = torch.cat([model(x[i:i + 1]) for i in range(N_IMAGES)])
# The validation draw of aug_transforms(size=24): an identity affine resample (bilinear,
# reflection, align_corners) of the [0, 1] pixels to 24 x 24 before normalizing; 32/24 < 2, so no
# area pre-shrink.
x01 = (images.permute(0, 3, 1, 2).float() / 255).contiguous()
grid = F.affine_grid(torch.eye(3)[:2].expand(N_IMAGES, 2, 3), (N_IMAGES, 3, 24, 24), align_corners=True)
resized = F.grid_sample(x01, grid, mode="bilinear", padding_mode="reflection", align_corners=True)
xr = ((resized - MEAN) / STD).contiguous()
with torch.no_grad():
    logits_resized = model(xr)
    single_resized = torch.cat([model(xr[i:i + 1]) for i in range(N_IMAGES)])

write_safetensors(f"{out}/weights.safetensors", model.state_dict())
write_safetensors(f"{out}/model.safetensors", {
    "images": images,
    "labels": labels.to(torch.int32),
    "logits": logits,
    "probs": torch.softmax(logits, -1),
    "probs_single": torch.softmax(single, -1),
    "losses": F.cross_entropy(logits, labels, reduction="none"),
    "losses_ls": F.cross_entropy(logits, labels, reduction="none", label_smoothing=0.1),
    "loss_ls_mean": F.cross_entropy(logits, labels, label_smoothing=0.1).reshape(1),
    "probs_resized": torch.softmax(logits_resized, -1),
    "probs_resized_single": torch.softmax(single_resized, -1),
}, {"versions": versions(), "size": SIZE, "nOut": N_OUT})

# 2. Per-item losses on fixed logits.
fixed_logits = torch.randn(20, 7) * 3
fixed_targets = torch.randint(0, 7, (20,))
write_safetensors(f"{out}/losses.safetensors", {
    "logits": fixed_logits,
    "targets": fixed_targets.to(torch.int32),
    "ce": F.cross_entropy(fixed_logits, fixed_targets, reduction="none"),
    "ce_ls01": F.cross_entropy(fixed_logits, fixed_targets, reduction="none", label_smoothing=0.1),
    "ce_ls03": F.cross_entropy(fixed_logits, fixed_targets, reduction="none", label_smoothing=0.3),
})

# 3. TTA's combination on fixed prediction sets (n = 4 augmented passes, 10 items, 5 classes).
aug = torch.softmax(torch.randn(4, 10, 5), -1)
plain = torch.softmax(torch.randn(10, 5), -1)
mean_aug = aug.mean(0)
max_aug = aug.max(0)[0]
write_safetensors(f"{out}/tta.safetensors", {
    "aug": aug,
    "plain": plain,
    "mean_aug": mean_aug,
    "lerp_025": torch.lerp(mean_aug, plain, 0.25),
    "lerp_06": torch.lerp(mean_aug, plain, 0.6),
    "max_aug": max_aug,
    "use_max": torch.stack([plain, max_aug], 0).max(0)[0],
})

# 4. Interpretation on a fixed prediction set.
C = 4
interp_logits = torch.randn(40, C) * 2
interp_targets = torch.randint(0, C, (40,))
interp_probs = torch.softmax(interp_logits, -1)
decoded = interp_probs.argmax(-1)
interp_losses = F.cross_entropy(interp_logits, interp_targets, reduction="none")
r = torch.arange(C)
cm = ((decoded == r[:, None]) & (interp_targets == r[:, None, None])).long().sum(2)


def most_confused(min_val):
    rows, cols = torch.where(cm >= min_val)
    res = [(int(i), int(j), int(cm[i, j])) for i, j in zip(rows.tolist(), cols.tolist()) if i != j]
    res = sorted(res, key=lambda t: t[2], reverse=True)
    return torch.tensor(res, dtype=torch.int32).reshape(-1, 3)


top5 = interp_losses.topk(5)
bottom = interp_losses.topk(40, largest=False)
write_safetensors(f"{out}/interpretation.safetensors", {
    "probs": interp_probs,
    "targets": interp_targets.to(torch.int32),
    "decoded": decoded.to(torch.int32),
    "losses": interp_losses,
    "confusion": cm.to(torch.int32),
    "most_confused_1": most_confused(1),
    "most_confused_2": most_confused(2),
    "top5_losses": top5.values,
    "top5_indices": top5.indices.to(torch.int32),
    "bottom_losses": bottom.values,
    "bottom_indices": bottom.indices.to(torch.int32),
}, {"vocab": ["ant", "bee", "cat", "dog"]})
