// SPDX-License-Identifier: Apache-2.0
// torchvision's ConvNeXt with its registered names (features.<i>, block.<j>, layer_scale,
// classifier), so its state dicts load by name. Stochastic depth draws from the model's generator.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/modules/pooling.h>

#include "models/chain.h"

namespace fasttune::models {

// LayerNorm over the last dimension that normalizes a lower-precision input (autocast) in the
// weights' float32, as CUDA autocast runs layer_norm; PyTorch 1.13's CPU autocast fails there.
class FloatLayerNormImpl : public torch::nn::LayerNormImpl {
 public:
  FloatLayerNormImpl(int64_t channels, double eps);
  torch::Tensor forward(const torch::Tensor& x);
};
TORCH_MODULE(FloatLayerNorm);

// LayerNorm over the channels of an NCHW tensor (torchvision's LayerNorm2d): normalizes each
// pixel's channel vector. A LayerNorm, so it counts as a norm layer wherever LayerNorm does.
class LayerNorm2dImpl : public FloatLayerNormImpl {
 public:
  using FloatLayerNormImpl::FloatLayerNormImpl;
  torch::Tensor forward(const torch::Tensor& x);
};
TORCH_MODULE(LayerNorm2d);

// Reorders dimensions (torchvision's Permute, no state).
class PermuteImpl : public torch::nn::Module {
 public:
  explicit PermuteImpl(std::vector<int64_t> dims) : dims_(std::move(dims)) {}
  torch::Tensor forward(const torch::Tensor& x) { return x.permute(dims_); }

 private:
  std::vector<int64_t> dims_;
};
TORCH_MODULE(Permute);

// torchvision's StochasticDepth in "row" mode: in training each sample's residual branch is kept
// with probability 1 - p (then scaled by 1 / (1 - p)) or dropped. The mask is drawn on the CPU as
// PyTorch draws it (bernoulli(1 - p) into a float [n, 1, 1, 1] tensor), from `generator`: a seed
// fixes it, and matches PyTorch's from its global generator on the CPU. p = 0 draws nothing.
class SeededStochasticDepthImpl : public torch::nn::Module {
 public:
  SeededStochasticDepthImpl(double p, at::Generator generator);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  double p_;
  at::Generator generator_;
};
TORCH_MODULE(SeededStochasticDepth);

// Depthwise 7x7 conv, LayerNorm, Linear 4x, GELU, Linear back, scaled per channel, residual.
class CNBlockImpl : public torch::nn::Module {
 public:
  CNBlockImpl(int64_t dim, double layerScale, double stochasticDepth, at::Generator generator);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::Tensor layerScale_;  // [dim, 1, 1]
  Chain block_{nullptr};
  SeededStochasticDepth stochasticDepth_{nullptr};
};
TORCH_MODULE(CNBlock);

// A ConvNeXt's shape: channels and blocks per stage, the largest stochastic depth rate.
struct ConvnextSpec {
  std::array<int64_t, 4> widths;
  std::array<int64_t, 4> blocks;
  double stochasticDepth = 0.1;
};

class ConvNeXtImpl : public torch::nn::Module {
 public:
  ConvNeXtImpl(const ConvnextSpec& spec, int64_t numClasses, at::Generator generator);
  torch::Tensor forward(torch::Tensor x);

  // fastai's body of a torchvision ConvNeXt: the children before the last one with a pooling
  // layer (cut = None), i.e. Sequential(features). The modules are shared, not copied.
  Chain Body() const;
  int64_t BodyFeatures() const { return features_out_; }

 private:
  int64_t features_out_ = 0;
  Chain features_{nullptr};
  torch::nn::AdaptiveAvgPool2d avgpool_{nullptr};
  Chain classifier_{nullptr};
};
TORCH_MODULE(ConvNeXt);

// A ConvNeXt with torchvision's initialisation drawn from `generator`: Conv2d and Linear weights
// truncated normal (std 0.02, cut at +-2), biases 0, LayerNorm 1 and 0, layer scale 1e-6.
// `generator` also feeds the stochastic depth masks.
ConvNeXt MakeConvnext(const ConvnextSpec& spec, at::Generator generator, int64_t numClasses = 1000);

}  // namespace fasttune::models
