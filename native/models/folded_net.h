// SPDX-License-Identifier: Apache-2.0
// The vision model of a ResNet for inference only, with every BatchNorm folded into the layer before it (the
// convolutions of the body) or after it (the head's linear layers):
//   conv -> BN   ==  conv with weight w * s and bias b - mean * s,  s = gamma / sqrt(var + eps)
//   BN -> linear ==  linear with weight W * s (per input) and bias W (beta - mean * s)
// computed in double and rounded once (the head's linear layers: fastai's default head; another
// head runs as its modules do in eval mode). Eval-mode dropout is the identity. On a float32 CPU with
// oneDNN (LibTorch's default), the convolutions take weights reordered once into oneDNN's layout
// and pass activations in that layout from the first to the last (no reorder per call, none in
// between; max pool included, without the indices PyTorch's CPU max_pool2d computes for
// backward). A snapshot of the weights: build a new one after they change.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include <torch/types.h>

#include "models/chain.h"
#include "models/vision_net.h"

namespace fasttune::models {

struct FoldedConv {
  torch::Tensor weight, bias;
  int64_t stride = 1;
  int64_t padding = 0;
};

// A BasicBlock (two convolutions) or a Bottleneck (three), ReLU after each but the last.
struct FoldedBlock {
  std::vector<FoldedConv> convs;
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
  std::array<int64_t, 3> pool_{};  // the stem's max pool: kernel, stride, padding
  std::vector<FoldedBlock> blocks_;
  torch::Tensor hiddenWeight_, hiddenBias_, outWeight_, outBias_;  // fastai's default head, folded
  mutable Chain head_{nullptr};                                    // any other head
  bool mkldnn_ = false;  // convolutions on oneDNN tensors (float32 CPU with oneDNN)
};

}  // namespace fasttune::models
