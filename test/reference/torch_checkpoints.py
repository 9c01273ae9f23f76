"""Checkpoints written by torch.save, each beside a safetensors file with the same tensors, for the
native checkpoint reader's parity tests.

Each <name>.pth has a <ref>.safetensors whose metadata lists the state dict's names in file order
and their dtypes as readWeights reports them; dtypes that common.write_safetensors lacks are
stored widened (exactly) and compared by value.
"""
import collections
import io
import os

import numpy as np
import torch
import torchvision

from common import out_dir, write_safetensors

out = out_dir()
torch.manual_seed(0)

NAMES = {
    torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}
WIDENED = {torch.float16: torch.float32, torch.bfloat16: torch.float32, torch.int16: torch.int32, torch.int8: torch.int32}


def reference(name, state_dict):
    tensors = {k: v.detach().to(WIDENED.get(v.dtype, v.dtype)) for k, v in state_dict.items()}
    meta = {"names": list(state_dict), "dtypes": {k: NAMES[v.dtype] for k, v in state_dict.items()}}
    write_safetensors(os.path.join(out, f"{name}.safetensors"), tensors, meta)


def save(name, obj, **kwargs):
    torch.save(obj, os.path.join(out, f"{name}.pth"), **kwargs)


# Every dtype, 0-d and empty tensors, views with offsets and strides, shared and expanded storage.
base = torch.randn(4, 6)
shared = torch.randn(20)
dtypes = collections.OrderedDict()
dtypes["f32"] = torch.randn(3, 4)
dtypes["f64"] = torch.randn(2, 3, dtype=torch.float64)
dtypes["f16"] = torch.randn(2, 5).half()
dtypes["bf16"] = torch.randn(5).bfloat16()
dtypes["i64"] = torch.randint(-(2**40), 2**40, (4,), dtype=torch.int64)
dtypes["i32"] = torch.randint(-(2**30), 2**30, (2, 2), dtype=torch.int32)
dtypes["i16"] = torch.randint(-(2**15), 2**15, (3,), dtype=torch.int16)
dtypes["i8"] = torch.randint(-128, 128, (3,), dtype=torch.int8)
dtypes["u8"] = torch.randint(0, 256, (6,), dtype=torch.uint8)
dtypes["bool"] = torch.rand(7) > 0.5
dtypes["scalar_f32"] = torch.tensor(3.25)
dtypes["scalar_i64"] = torch.tensor(7)
dtypes["empty"] = torch.zeros(0, 3)
dtypes["transposed"] = base.t()
dtypes["stepped"] = base[1::2, ::3]
dtypes["shared_a"] = shared[:10].view(2, 5)
dtypes["shared_b"] = shared[5:15]
dtypes["expanded"] = torch.randn(3, 1).expand(3, 4)
dtypes["half_view"] = torch.randn(4, 4).half()[1:, 2]
dtypes["param"] = torch.nn.Parameter(torch.randn(2, 2))
save("dtypes", dtypes)
reference("dtypes", dtypes)
assert dtypes["shared_a"].storage().data_ptr() == dtypes["shared_b"].storage().data_ptr()

# A real model's state dict (module metadata included) with seeded random values everywhere.
resnet = torchvision.models.resnet34(weights=None)
with torch.no_grad():
    for name, t in resnet.state_dict().items():
        if t.is_floating_point():
            t.copy_(torch.randn_like(t))
        else:
            t.fill_(int(torch.randint(0, 1000, ())))
resnet_sd = resnet.state_dict()
save("resnet34", resnet_sd)
reference("resnet34", resnet_sd)

# A small model in the wrappers torch.save users write around a state dict.
small = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Flatten(), torch.nn.Linear(4, 2))
small_sd = small.state_dict()
reference("small", small_sd)
save("small", small_sd)
save("small_protocol4", small_sd, pickle_protocol=4)
# fastai's learn.save: optimizer state beside the model; fit_one_cycle leaves numpy floats in hypers.
params = list(small.parameters())
opt = {
    "state": [{"grad_avg": torch.randn_like(p), "sqr_avg": torch.rand_like(p), "step": 3, "do_wd": True} for p in params],
    "hypers": [{"lr": np.float64(1e-3), "mom": np.float64(0.9), "sqr_mom": 0.99, "eps": 1e-5, "wd": 0.01}],
}
save("small_fastai", {"model": small_sd, "opt": opt})
save("small_model_only", {"model": small_sd})
save("small_state_dict", {"state_dict": small_sd, "epoch": 3, "arch": "small", "best": 0.93, "tags": [b"x", None]})
# Saved through a file object, records live under "archive/".
buffer = io.BytesIO()
torch.save(small_sd, buffer)
with open(os.path.join(out, "small_buffer.pth"), "wb") as f:
    f.write(buffer.getvalue())
