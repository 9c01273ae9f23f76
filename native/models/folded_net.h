// SPDX-License-Identifier: Apache-2.0
// The vision model for inference only, with every BatchNorm folded into the layer before it (the
// convolutions of the body) or after it (the head's linear layers):
//   conv -> BN   ==  conv with weight w * s and bias b - mean * s,  s = gamma / sqrt(var + eps)
//   BN -> linear ==  linear with weight W * s (per input) and bias W (beta - mean * s)
// computed in double and rounded once. Eval-mode dropout is the identity; the stem's ReLU and
// max pool run as one pass without indices (models/max_pool.h). A snapshot of the weights: build
// a new one after they change.
#pragma once

#include <optional>
#include <vector>

#include <torch/types.h>

#include "models/max_pool.h"
#include "models/vision_net.h"

namespace fasttune::models {

struct FoldedConv {
  torch::Tensor weight, bias;
  int64_t stride = 1;
  int64_t padding = 0;
};

struct FoldedBlock {
  FoldedConv conv1, conv2;
  std::optional<FoldedConv> downsample;
};

class FoldedNet {
 public:
  // From `net`'s current weights and running statistics; 4-d weights in `format`.
  FoldedNet(const VisionNet& net, torch::MemoryFormat format);

  // Logits for a normalized float batch [n, 3, h, w]; call in inference mode.
  torch::Tensor Forward(const torch::Tensor& x) const;

 private:
  FoldedConv stem_;
  PoolShape pool_;
  std::vector<FoldedBlock> blocks_;
  torch::Tensor hiddenWeight_, hiddenBias_, outWeight_, outBias_;
};

}  // namespace fasttune::models
