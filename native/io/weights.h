// SPDX-License-Identifier: Apache-2.0
// Named tensors as they live in weight files, and the format-agnostic entry point.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <torch/types.h>

namespace fasttune::io {

struct NamedTensor {
  std::string name;
  torch::Tensor tensor;
};

using NamedTensors = std::vector<NamedTensor>;  // in file order
using Metadata = std::map<std::string, std::string>;

struct WeightsFile {
  std::string format;  // "safetensors" or "pytorch"
  NamedTensors tensors;
  Metadata metadata;  // safetensors' __metadata__; empty for PyTorch checkpoints
};

// Reads a safetensors file or a PyTorch zip checkpoint (`torch.save` of a state dict), chosen by
// the file's first bytes. Throws CodedError(E_IO) naming the file when it is missing or corrupt.
WeightsFile ReadWeights(const std::string& path);

}  // namespace fasttune::io
