"""Metrics and recorded losses on fixed logits (spec §7.1, §8).

Validation: three batches of different sizes with fixed logits and targets; per batch the mean
cross-entropy, accuracy, error rate and top-k accuracy, combined over the set weighted by batch
size in float32 tensors as fastai's AvgLoss/AvgMetric do. Training: fixed batch losses smoothed
with torch.lerp (beta 0.98, debiased), the Recorder's per-batch losses and per-epoch rows.
"""
import os

import torch
import torch.nn.functional as F

from common import out_dir, write_safetensors

torch.manual_seed(0)
N_CLASSES = 10
SIZES = [16, 16, 7]
N_TRAIN_BATCHES, N_EPOCHS = 5, 2
BETA = 0.98

logits = [torch.randn(n, N_CLASSES) for n in SIZES]
targets = [torch.randint(0, N_CLASSES, (n,)) for n in SIZES]
batch_losses = [F.cross_entropy(x, y) for x, y in zip(logits, targets)]


def accuracy(x, y):
    return (x.argmax(dim=-1) == y).float().mean()


def error_rate(x, y):
    return 1 - accuracy(x, y)


def top_k(k):
    def f(x, y):
        best = x.topk(k, dim=-1).indices
        return (best == y.unsqueeze(-1)).sum(dim=-1).float().mean()

    return f


def weighted(values):
    """Σ value·bs / Σ bs, accumulated in a float32 tensor."""
    total, count = 0.0, 0
    for v, n in zip(values, SIZES):
        total = total + v * n
        count += n
    return (total / count).item()


metrics = {"accuracy": accuracy, "error_rate": error_rate, "top_k_accuracy": top_k(3), "top_5_accuracy": top_k(5)}
valid_row = [weighted(batch_losses)] + [weighted([f(x, y) for x, y in zip(logits, targets)]) for f in metrics.values()]

# Whole-set values for the sanity check that the weighting gives the dataset value.
all_x, all_y = torch.cat(logits), torch.cat(targets)
dataset = [F.cross_entropy(all_x, all_y).item()] + [f(all_x, all_y).item() for f in metrics.values()]

train_losses = (torch.rand(N_TRAIN_BATCHES * N_EPOCHS) * 2 + 0.5).float()
avg = torch.tensor(0.0)
smooth = []
for i, loss in enumerate(train_losses):
    avg = torch.lerp(loss, avg, BETA)
    smooth.append((avg / (1 - BETA ** (i + 1))).item())
rows = [[smooth[(e + 1) * N_TRAIN_BATCHES - 1]] + valid_row for e in range(N_EPOCHS)]

out = out_dir()
tensors = {f"logits{i}": x for i, x in enumerate(logits)}
tensors.update({f"targets{i}": y.to(torch.int32) for i, y in enumerate(targets)})
tensors["batch_losses"] = torch.stack(batch_losses)
tensors["train_losses"] = train_losses
tensors["smooth"] = torch.tensor(smooth, dtype=torch.float32)
tensors["rows"] = torch.tensor(rows, dtype=torch.float64)
tensors["dataset"] = torch.tensor(dataset, dtype=torch.float64)
write_safetensors(
    os.path.join(out, "metrics.safetensors"),
    tensors,
    {
        "n_classes": N_CLASSES,
        "sizes": SIZES,
        "n_train_batches": N_TRAIN_BATCHES,
        "n_epochs": N_EPOCHS,
        "columns": ["train_loss", "valid_loss", *metrics.keys()],
        "torch": torch.__version__,
    },
)
