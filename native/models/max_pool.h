// SPDX-License-Identifier: Apache-2.0
// Max pooling for inference, without the indices PyTorch's CPU max_pool2d always computes (they
// only serve backward), fused with the ReLU before it. max and ReLU commute, so pooling first
// and flooring at zero gives relu-then-pool exactly, NaN included.
#pragma once

#include <torch/types.h>

namespace fasttune::models {

struct PoolShape {
  int64_t kernel = 3;
  int64_t stride = 2;
  int64_t padding = 1;
};

// max_pool2d(relu(x)) for a float32 CPU tensor [n, c, h, w] in contiguous or channels-last
// layout (same layout out); anything else goes through LibTorch's own operators.
torch::Tensor ReluMaxPool2d(const torch::Tensor& x, const PoolShape& shape);

}  // namespace fasttune::models
