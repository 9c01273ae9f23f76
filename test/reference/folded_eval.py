"""Reference for the folded-BatchNorm eval path of the native VisionModel (models/folded_net.h).

fastai's ResNet-34 learner model (torchvision body + fastai head, as test/reference/vision_model.py
builds it) with seeded random weights and BatchNorm statistics far from their init, and eval-mode
logits for three batches (one with odd sizes, so pooling windows are clipped at the borders):
  - in float64 (the model and input in double): the exact answer both float32 paths approximate;
  - in float32 with PyTorch's modules, contiguous and channels-last: how far float32 rounding
    alone already is from it.
"""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from common import deterministic, out_dir, versions, write_safetensors

N_OUT = 7
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
BATCHES = {"a": (4, 64, 64), "b": (3, 67, 61), "c": (2, 33, 40)}

out = out_dir()
deterministic(0)


class ConcatPool(nn.Module):
    def forward(self, x):
        return torch.cat([F.adaptive_max_pool2d(x, 1), F.adaptive_avg_pool2d(x, 1)], 1)


def build():
    body = nn.Sequential(*list(torchvision.models.resnet34(weights=None).children())[:-2])
    head = nn.Sequential(ConcatPool(), nn.Flatten(), nn.BatchNorm1d(1024), nn.Dropout(0.25),
                         nn.Linear(1024, 512, bias=False), nn.ReLU(inplace=True), nn.BatchNorm1d(512),
                         nn.Dropout(0.5), nn.Linear(512, N_OUT, bias=False))
    model = nn.Sequential(body, head)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                nn.init.kaiming_normal_(m.weight)
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.normal_(0, 0.2)
                m.running_var.uniform_(0.3, 2.0)
                m.num_batches_tracked.fill_(3)
    return model.eval()


def preprocess(images, dtype=torch.float32):
    x = images.permute(0, 3, 1, 2).contiguous().float().div(255)
    return ((x - MEAN) / STD).to(dtype)


model = build()
write_safetensors(os.path.join(out, "weights.safetensors"), model.state_dict())
double = build().double()
double.load_state_dict(model.state_dict())
channels_last = build().to(memory_format=torch.channels_last)
channels_last.load_state_dict(model.state_dict())

g = torch.Generator().manual_seed(11)
tensors = {}
with torch.no_grad():
    for name, (n, h, w) in BATCHES.items():
        images = torch.randint(0, 256, (n, h, w, 3), dtype=torch.uint8, generator=g)
        tensors[f"{name}.images"] = images
        tensors[f"{name}.labels"] = torch.randint(0, N_OUT, (n,), generator=g).int()
        tensors[f"{name}.logits_f64"] = double(preprocess(images, torch.float64))
        tensors[f"{name}.logits_f32"] = model(preprocess(images))
        tensors[f"{name}.logits_f32_cl"] = channels_last(preprocess(images).contiguous(memory_format=torch.channels_last))
write_safetensors(os.path.join(out, "logits.safetensors"), tensors,
                  {"versions": versions(), "nOut": N_OUT, "batches": list(BATCHES), "threads": torch.get_num_threads()})
