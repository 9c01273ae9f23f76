"""Checkpoints the native reader must handle that torch.save 1.13 does not write on its own:
the shapes PyTorch 2.x gives some tensors, hostile pickles, and malformed tensors.

Hostile files are proven live: each is loaded once here with torch.load (no weights_only), must
run its payload, which creates a marker file, and the marker is removed again. The tests then
check that readWeights refuses each file, names the global, and that no marker appears.
manifest.json lists the files (relative to this folder), their markers and the global each one
smuggles in, and for malformed files the words their error must contain.
"""
import collections
import importlib
import io
import json
import os
import pickle
import subprocess
import time
import zipfile

import torch
import torch.jit._pickle

from common import out_dir, write_safetensors

out = out_dir()
torch.manual_seed(0)
manifest = {"hostile": {}, "malformed": {}}


def path(name):
    return os.path.join(out, name)


# ---------------------------------------------------------------------------------------------
# Raw pickles: storages and calls written exactly as PyTorch would, without a torch.Tensor.


class Storage:
    def __init__(self, key, storage_type, data, numel):
        self.key, self.type, self.data, self.numel = key, storage_type, data, numel


class Call:
    """Pickles as fn(*args)."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


class RawPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.type, obj.key, "cpu", obj.numel)
        return None


def named(module, name):
    """The global `module.name`, or a stand-in under that name when this PyTorch lacks it."""
    mod = importlib.import_module(module)
    if not hasattr(mod, name):
        def stand_in(*args):
            raise RuntimeError(f"{module}.{name} is a stand-in")

        stand_in.__module__, stand_in.__name__, stand_in.__qualname__ = module, name, name
        setattr(mod, name, stand_in)
    return getattr(mod, name)


def write_raw(name, obj, storages, byteorder="little"):
    buf = io.BytesIO()
    RawPickler(buf, protocol=2).dump(obj)
    with zipfile.ZipFile(path(name), "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", buf.getvalue())
        if byteorder is not None:
            z.writestr("archive/byteorder", byteorder)
        for s in storages:
            z.writestr(f"archive/data/{s.key}", s.data)
        z.writestr("archive/version", "3\n")


def float_storage(key, values, storage_type=torch.FloatStorage, numel=None):
    data = torch.tensor(values, dtype=torch.float32).numpy().tobytes()
    return Storage(key, storage_type, data, len(values) if numel is None else numel)


def v2(storage, size, stride, offset=0, *metadata):
    return Call(torch._utils._rebuild_tensor_v2, storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict(), *metadata)


# ---------------------------------------------------------------------------------------------
# What PyTorch 2.x writes (read from its torch/_tensor.py, torch/_utils.py, torch/serialization.py):
# tensors with Python attributes go through _rebuild_from_type_v2, parameters with attributes
# through _rebuild_parameter_with_state, dtypes without a typed storage through
# _rebuild_tensor_v3 over an UntypedStorage, and a byteorder record sits beside data.pkl.

untyped = named("torch.storage", "UntypedStorage")
v3 = named("torch._utils", "_rebuild_tensor_v3")
with_state = named("torch._utils", "_rebuild_parameter_with_state")
values = torch.randn(12)
s0 = Storage("0", torch.FloatStorage, values.numpy().tobytes(), 12)
s1 = Storage("1", untyped, values[:4].numpy().tobytes(), 16)
newer = collections.OrderedDict()
newer["attrs"] = Call(torch._tensor._rebuild_from_type_v2, torch._utils._rebuild_tensor_v2, torch.Tensor,
                      (s0, 2, (2, 3), (3, 1), False, collections.OrderedDict()), {"note": "kept as an attribute"})
newer["param_state"] = Call(with_state, v2(s0, (4,), (2,), 1), True, collections.OrderedDict(), {"extra": 1})
newer["v3"] = Call(v3, s1, 0, (2, 2), (2, 1), False, collections.OrderedDict(), torch.float32)
newer["metadata"] = v2(s0, (3,), (1,), 0, {"neg": False})
write_raw("pytorch2.pth", newer, [s0, s1])
write_safetensors(path("pytorch2.safetensors"), {
    "attrs": values[2:8].view(2, 3),
    "param_state": values[1:9:2],
    "v3": values[:4].view(2, 2),
    "metadata": values[:3],
}, {"names": list(newer)})

# LibTorch's torch::pickle_save (C++) tags typed containers; a Dict[str, Tensor] state dict reads
# restore_type_tag({...}, "Dict[str, Tensor]").
libtorch = collections.OrderedDict()
libtorch["weight"] = v2(s0, (4, 3), (3, 1))
libtorch["transposed"] = v2(s0, (3, 4), (1, 3))
write_raw("libtorch.pth", Call(torch.jit._pickle.restore_type_tag, libtorch, "Dict[str, Tensor]"), [s0], byteorder=None)
write_safetensors(path("libtorch.safetensors"), {"weight": values.view(4, 3), "transposed": values.view(4, 3).t()},
                  {"names": list(libtorch)})

# ---------------------------------------------------------------------------------------------
# Hostile pickles, each with its payload and the global it needs.


def marker(name):
    return path(f"ran-{name}")


class Payload:
    """Runs `fn(*args)` when unpickled; `args` create the case's marker file."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def system(name):
    return Payload(os.system, f"touch {marker(name)}")


def python_code(fn, name):
    return Payload(fn, f"open({marker(name)!r}, 'w').close()")


def load_from_bytes(name):
    """torch.load within torch.load: the inner legacy pickle runs os.system."""
    inner = io.BytesIO()
    torch.save(system(name), inner, _use_new_zipfile_serialization=False)
    return Payload(torch.storage._load_from_bytes, inner.getvalue())


class MyTensor(torch.Tensor):
    pass


weights = collections.OrderedDict(weight=torch.randn(2, 2))
hostile = {
    "os_system": (system("os_system"), {}, "posix.system"),
    "stack_global": (system("stack_global"), {"pickle_protocol": 4}, "posix.system"),
    "eval_in_state_dict": (collections.OrderedDict(weight=torch.randn(2), bias=python_code(eval, "eval_in_state_dict")), {}, "__builtin__.eval"),
    "exec_in_opt": ({"model": weights, "opt": {"hypers": [python_code(exec, "exec_in_opt")]}}, {}, "__builtin__.exec"),
    "popen_in_model": ({"model": collections.OrderedDict(w=torch.randn(1), p=Payload(subprocess.Popen, ["touch", marker("popen_in_model")]))}, {}, "commands.Popen"),  # protocol 2 writes Python 2 names
    "load_from_bytes": (collections.OrderedDict(w=load_from_bytes("load_from_bytes")), {}, "torch.storage._load_from_bytes"),
}
for name, (obj, kwargs, global_name) in hostile.items():
    torch.save(obj, path(f"{name}.pth"), **kwargs)
    try:
        torch.load(path(f"{name}.pth"))
    except Exception:
        pass  # the payload ran before any failure
    for _ in range(50):  # Popen runs its command in the background
        if os.path.exists(marker(name)):
            break
        time.sleep(0.1)
    assert os.path.exists(marker(name)), f"payload of {name} did not run under torch.load"
    os.remove(marker(name))
    manifest["hostile"][name] = {"file": f"{name}.pth", "marker": os.path.basename(marker(name)), "global": global_name}

# A tensor subclass defined outside torch: its class is a global like any other.
torch.save(collections.OrderedDict(t=torch.randn(2).as_subclass(MyTensor)), path("subclass.pth"))
manifest["hostile"]["subclass"] = {"file": "subclass.pth", "marker": None, "global": "__main__.MyTensor"}

# ---------------------------------------------------------------------------------------------
# Malformed tensors and containers, each with the words its error must contain.


def malformed(name, why):
    manifest["malformed"][name] = {"file": f"{name}.pth", "error": why}


s = float_storage("0", [float(i) for i in range(6)])
write_raw("offset_out_of_range.pth", {"t": v2(s, (4,), (1,), 3)}, [s])
malformed("offset_out_of_range", "views elements outside its storage")
write_raw("stride_out_of_range.pth", {"t": v2(s, (2, 3), (3, 2))}, [s])
malformed("stride_out_of_range", "views elements outside its storage")
# Each view fits the budget alone (64 MiB from 24 bytes); together they do not.
write_raw("expansion.pth", {"a": v2(s, (2**12, 2**12), (0, 0)), "b": v2(s, (2**12, 2**12), (0, 0))}, [s])
malformed("expansion", "tensor 'b' would expand the checkpoint beyond")
write_raw("huge_empty_shape.pth", {"t": v2(s, (2**40, 2**40, 0), (1, 1, 1))}, [s])
malformed("huge_empty_shape", "impossibly large shape")
write_raw("storage_size_mismatch.pth", {"t": v2(float_storage("0", [1.0] * 6, numel=8), (6,), (1,))}, [s])
malformed("storage_size_mismatch", "holds 24 bytes but tensor 't' declares 32")
write_raw("missing_storage.pth", {"t": v2(float_storage("7", [1.0]), (1,), (1,))}, [s])
malformed("missing_storage", "archive/data/7, which is missing")
write_raw("escaping_key.pth", {"t": v2(float_storage("../../etc/passwd", [1.0]), (1,), (1,))}, [s])
malformed("escaping_key", "storage key that is not a plain name")
write_raw("uint16.pth", {"t": Call(v3, Storage("0", untyped, b"\0" * 8, 8), 0, (4,), (1,), False,
                                   collections.OrderedDict(), named("torch", "uint16"))}, [Storage("0", untyped, b"\0" * 8, 8)])
malformed("uint16", "has dtype torch.uint16, which fasttune does not read")
write_raw("neg_bit.pth", {"t": v2(s, (6,), (1,), 0, {"neg": True})}, [s])
malformed("neg_bit", "lazy conjugate/negative bits")
bools = Storage("0", torch.BoolStorage, b"\x00\x01\x02", 3)
write_raw("bool_bytes.pth", {"t": v2(bools, (3,), (1,))}, [bools])
malformed("bool_bytes", "holds bytes other than 0 and 1")
write_raw("big_endian.pth", {"t": v2(s, (6,), (1,))}, [s], byteorder="big")
malformed("big_endian", "big-endian")
write_raw("from_type_other_function.pth", {"t": Call(torch._tensor._rebuild_from_type_v2, collections.OrderedDict,
                                                     torch.Tensor, (), {})}, [])
malformed("from_type_other_function", "is rebuilt by collections.OrderedDict, which is not a tensor rebuild function")


class Duplicates:
    def __reduce__(self):
        t = v2(s, (6,), (1,))
        return (collections.OrderedDict, (), None, None, iter([("a", t), ("a", t)]))


write_raw("duplicate_key.pth", Duplicates(), [s])
malformed("duplicate_key", "key 'a' appears twice")
torch.save({1: torch.randn(2)}, path("int_key.pth"))
malformed("int_key", "it has a key that is an int")
torch.save([torch.randn(2)], path("list_root.pth"))
malformed("list_root", "holds a list, not a state dict")
torch.save({"model": {"w": torch.randn(2), "n": 3}}, path("model_not_tensors.pth"))
malformed("model_not_tensors", "its 'model' entry is not a state dict: its value 'n' is an int, not a tensor")
torch.save({"w": torch.zeros(2, dtype=torch.complex64)}, path("complex.pth"))
malformed("complex", "is stored as torch.ComplexFloatStorage, which fasttune does not read")
torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), path("torchscript.pth"))
malformed("torchscript", "TorchScript archive")
torch.save(weights, path("legacy.pth"), _use_new_zipfile_serialization=False)
malformed("legacy", "re-save it with PyTorch >= 1.6")
torch.save(weights, path("plain.pth"))
with zipfile.ZipFile(path("plain.pth")) as src, zipfile.ZipFile(path("deflated.pth"), "w", zipfile.ZIP_DEFLATED) as dst:
    for info in src.infolist():
        dst.writestr(info.filename, src.read(info.filename))
malformed("deflated", "is compressed (method 8)")

with open(path("manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)
