// SPDX-License-Identifier: Apache-2.0
// fastai's head for a CNN body, built from a list of layers (fastai's create_head gives that list
// for its options; a user may give another). Its registered names give state dict keys 1.<index>
// like fastai's flat Sequential.
#pragma once

#include <vector>

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
  double p() const { return p_; }

 private:
  double p_;
  at::Generator generator_;
};
TORCH_MODULE(SeededDropout);

enum class HeadLayerKind { kConcatPool, kAvgPool, kFlatten, kBatchNorm, kDropout, kLinear, kRelu };

// One layer of a head. Only the fields of its kind are read.
struct HeadLayer {
  HeadLayerKind kind = HeadLayerKind::kFlatten;
  int64_t in = 0;          // linear: input features
  int64_t out = 0;         // linear: output features; batchnorm: features
  bool bias = false;       // linear
  double p = 0;            // dropout
  double momentum = 0.1;   // batchnorm
  double biasInit = 1e-3;  // batchnorm: fastai's BatchNorm starts its bias at 1e-3, nn.BatchNorm1d at 0
};

HeadLayerKind ParseHeadLayerKind(const std::string& kind);

// fastai's default head for `features` body channels: concat pool, flatten, then BatchNorm-Dropout-Linear
// blocks to 512 and `nOut`, dropout ps/2 then ps.
std::vector<HeadLayer> DefaultHead(int64_t features, int64_t nOut, double ps);

// The head's modules for a body of `features` channels and `nOut` outputs. Linear weights
// kaiming-normal (fan_in) and biases 0 (fastai's apply_init), BatchNorm weight 1 and bias
// `biasInit`, drawn in layer order from `generator`, which also feeds the dropout masks.
// Throws CodedError(E_ARG) naming the layer whose width does not follow from the one before.
Chain BuildHead(const std::vector<HeadLayer>& layers, int64_t features, int64_t nOut, at::Generator generator);

}  // namespace fasttune::models
