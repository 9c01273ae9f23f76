"""Shared helpers for the PyTorch reference generators.

Each generator writes its tensors into one safetensors file (plus JSON metadata in its header)
under the output folder it is given; the TypeScript tests read them with test/helpers/fixtures.ts.
"""
import json
import os
import struct
import sys

import torch

DTYPES = {
    torch.float32: "F32",
    torch.float64: "F64",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}


def write_safetensors(path, tensors, metadata=None):
    """Writes `tensors` (name -> tensor) in the safetensors layout, metadata as JSON strings."""
    header = {}
    blobs = []
    offset = 0
    for name, tensor in tensors.items():
        t = tensor.detach().contiguous().cpu()
        data = t.numpy().tobytes()
        header[name] = {
            "dtype": DTYPES[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {k: json.dumps(v) for k, v in metadata.items()}
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def out_dir():
    """The output folder, the generator's only argument."""
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} <output folder>")
    os.makedirs(sys.argv[1], exist_ok=True)
    return sys.argv[1]


def deterministic(seed=0):
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)


def versions():
    import torchvision

    return {"torch": torch.__version__, "torchvision": torchvision.__version__}
