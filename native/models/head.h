// SPDX-License-Identifier: Apache-2.0
// fastai's classification head for a CNN body: concat pooling, then two BatchNorm-Dropout-Linear
// blocks. Its registered names give state dict keys 2, 4, 6, 8 like fastai's flat Sequential.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>

#include "models/chain.h"

namespace fasttune::models {

// cat([adaptive max pool, adaptive average pool], dim 1) to 1x1: max first, as fastai.
class AdaptiveConcatPool2dImpl : public torch::nn::Module {
 public:
  torch::Tensor forward(const torch::Tensor& x);
};
TORCH_MODULE(AdaptiveConcatPool2d);

// Dropout whose masks come from the model's own generator. The mask is drawn on the CPU exactly
// as PyTorch's CPU dropout draws it (bernoulli(1 - p), divided by 1 - p) and then moved to the
// input's device: a seed fixes the masks on every device, and matches PyTorch's on the CPU.
class SeededDropoutImpl : public torch::nn::Module {
 public:
  SeededDropoutImpl(double p, at::Generator generator);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  double p_;
  at::Generator generator_;
};
TORCH_MODULE(SeededDropout);

// The head for `features` body channels and `nOut` classes. `ps` is fastai's: dropout ps/2 in
// the first block and ps in the last. Linear weights kaiming-normal (fan_in), BatchNorm weight 1
// and bias 1e-3, all drawn from `generator`, which also feeds the dropout masks.
Chain CreateHead(int64_t features, int64_t nOut, double ps, at::Generator generator);

}  // namespace fasttune::models
