// SPDX-License-Identifier: Apache-2.0
// fastai's vision model: Sequential(body, head), its state in PyTorch's state-dict order, and its
// parameter groups (fastai's splitter for the architecture).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>

#include "models/archs.h"
#include "models/chain.h"
#include "models/head.h"

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
  // Eval may run models/folded_net.h: the architecture allows it and the body is whole.
  bool foldsBatchNorm = false;

  // Parameters only, in state order.
  std::vector<const StateEntry*> Params() const;
};

// The head and the cut of a vision model: fastai's defaults unless given.
struct NetSpec {
  int64_t nOut = 0;
  double ps = 0.5;                             // the default head's dropout
  std::optional<std::vector<HeadLayer>> head;  // none: fastai's default head
  std::optional<int64_t> cut;                  // fastai's cut; none: the architecture's
};

// The body of `arch` (torchvision init) cut as `spec` says + the head, all drawn from
// `generator`, which also feeds dropout and stochastic depth.
VisionNet BuildVisionNet(const ArchRecord& arch, const NetSpec& spec, at::Generator generator);

// Lists the state of `module` as PyTorch's `state_dict()` would: modules in pre-order, each one's
// own parameters then its own buffers.
std::vector<StateEntry> CollectState(const torch::nn::Module& module);

}  // namespace fasttune::models
