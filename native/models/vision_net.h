// SPDX-License-Identifier: Apache-2.0
// fastai's vision model: Sequential(body, head), its state in PyTorch's state-dict order, and its
// parameter groups (fastai's splitter for the architecture).
#pragma once

#include <string>
#include <vector>

#include <ATen/core/Generator.h>

#include "models/archs.h"
#include "models/chain.h"

namespace fasttune::models {

// One tensor of the state dict. Tensors share storage with the module (handles, not copies).
struct StateEntry {
  std::string name;
  torch::Tensor tensor;
  bool isParam = false;
  // For parameters:
  int group = -1;       // ResNets: 0 stem, layer1, layer2; 1 layer3, layer4; 2 head
  bool isNorm = false;  // belongs to a norm layer (BatchNorm, LayerNorm: fastai's norm_types)
  bool isBias = false;  // named `bias` (fastai excludes both kinds from weight decay)
};

struct VisionNet {
  Chain net;
  std::vector<StateEntry> state;  // parameters and buffers, PyTorch's state_dict order
  int64_t nOut = 0;
  const ArchRecord* arch = nullptr;
  int nGroups = 0;

  // Parameters only, in state order.
  std::vector<const StateEntry*> Params() const;
};

// The body of `arch` (torchvision init) + fastai head for `nOut` classes, all drawn from
// `generator`, which also feeds dropout and stochastic depth.
VisionNet BuildVisionNet(const ArchRecord& arch, int64_t nOut, double ps, at::Generator generator);

// Lists the state of `module` as PyTorch's `state_dict()` would: modules in pre-order, each one's
// own parameters then its own buffers.
std::vector<StateEntry> CollectState(const torch::nn::Module& module);

}  // namespace fasttune::models
