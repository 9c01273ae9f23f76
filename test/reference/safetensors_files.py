"""Safetensors files written by an independent writer, for the native reader's tests."""
import os

import torch

from common import out_dir, write_safetensors

out = out_dir()
torch.manual_seed(0)
tensors = {
    "conv.weight": torch.randn(4, 3, 3, 3),
    "bn.running_var": torch.rand(4, dtype=torch.float64),
    "bn.num_batches_tracked": torch.tensor(7, dtype=torch.int64),
    "labels": torch.arange(5, dtype=torch.int32),
    "mask": torch.tensor([1, 0, 1], dtype=torch.uint8),
    "empty": torch.zeros(0, 3),
}
write_safetensors(os.path.join(out, "mixed.safetensors"), tensors, {"arch": "resnet34", "vocab": ["a", "b"]})
