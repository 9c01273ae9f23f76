"""RandomSplitter reference: fastai seeds torch's global generator and splits a randperm.

For each (seed, n): torch.manual_seed(seed); perm = torch.randperm(n); valid = perm[:int(pct*n)],
train = perm[int(pct*n):] (fastai's RandomSplitter, fastai/data/transforms.py).
"""
import os

import torch

from common import out_dir, versions, write_safetensors

out = out_dir()
seeds = [0, 1, 42, 2024, 123456789, 2**32 + 7]
sizes = [0, 1, 2, 10, 37, 100, 1000, 7390]
pcts = [0.2, 0.25, 0.1]
tensors = {}
cases = []
for seed in seeds:
    for n in sizes:
        for pct in pcts:
            torch.manual_seed(seed)
            perm = torch.randperm(n)
            cut = int(pct * n)
            name = f"s{seed}_n{n}_p{pct}"
            tensors[f"{name}.valid"] = perm[:cut].to(torch.int64)
            tensors[f"{name}.train"] = perm[cut:].to(torch.int64)
            cases.append({"name": name, "seed": seed, "n": n, "pct": pct})
write_safetensors(os.path.join(out, "data_split.safetensors"), tensors, {"cases": cases, **versions()})
