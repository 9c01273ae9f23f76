// SPDX-License-Identifier: Apache-2.0
#include "models/convnext.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "models/init.h"

namespace fasttune::models {

namespace {

namespace nn = torch::nn;

constexpr double kNormEps = 1e-6;
constexpr double kLayerScale = 1e-6;

nn::Conv2d Conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding, int64_t groups = 1) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).groups(groups).bias(true));
}

}  // namespace

FloatLayerNormImpl::FloatLayerNormImpl(int64_t channels, double eps)
    : LayerNormImpl(nn::LayerNormOptions({channels}).eps(eps)) {}

torch::Tensor FloatLayerNormImpl::forward(const torch::Tensor& x) {
  const torch::Tensor input = x.scalar_type() == weight.scalar_type() ? x : x.to(weight.scalar_type());
  return torch::layer_norm(input, options.normalized_shape(), weight, bias, options.eps());
}

torch::Tensor LayerNorm2dImpl::forward(const torch::Tensor& x) {
  return FloatLayerNormImpl::forward(x.permute({0, 2, 3, 1})).permute({0, 3, 1, 2});
}

SeededStochasticDepthImpl::SeededStochasticDepthImpl(double p, at::Generator generator)
    : p_(p), generator_(std::move(generator)) {}

torch::Tensor SeededStochasticDepthImpl::forward(const torch::Tensor& x) {
  if (!is_training() || p_ == 0.0) return x;
  const double survival = 1.0 - p_;
  std::vector<int64_t> size(x.dim(), 1);
  size[0] = x.size(0);
  torch::Tensor noise = torch::empty(size, torch::TensorOptions().dtype(torch::kFloat32));
  noise.bernoulli_(survival, generator_);
  if (survival > 0.0) noise.div_(survival);
  return x * noise.to(x.device(), x.scalar_type());
}

CNBlockImpl::CNBlockImpl(int64_t dim, double layerScale, double stochasticDepth, at::Generator generator) {
  // Registered before `block`, as torchvision assigns it after: PyTorch lists a module's own
  // parameters before its children's, so state dict order agrees either way.
  layerScale_ = register_parameter("layer_scale", torch::full({dim, 1, 1}, layerScale));
  block_ = register_module("block", Chain(Conv(dim, dim, 7, 1, 3, dim), Permute(std::vector<int64_t>{0, 2, 3, 1}),
                                          FloatLayerNorm(dim, kNormEps), nn::Linear(dim, 4 * dim), nn::GELU(),
                                          nn::Linear(4 * dim, dim), Permute(std::vector<int64_t>{0, 3, 1, 2})));
  stochasticDepth_ = register_module("stochastic_depth", SeededStochasticDepth(stochasticDepth, std::move(generator)));
}

torch::Tensor CNBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor out = stochasticDepth_->forward(layerScale_ * block_->forward(x));
  out += x;
  return out;
}

ConvNeXtImpl::ConvNeXtImpl(const ConvnextSpec& spec, int64_t numClasses, at::Generator generator) {
  Chain features;  // (a Chain built from one Chain would be a copy of that one)
  features->push_back(Chain(Conv(3, spec.widths[0], 4, 4, 0), LayerNorm2d(spec.widths[0], kNormEps)));
  int64_t total = 0;
  for (int64_t n : spec.blocks) total += n;
  int64_t index = 0;  // the block's place among all blocks: stochastic depth grows linearly with it
  for (size_t stage = 0; stage < spec.blocks.size(); ++stage) {
    const int64_t dim = spec.widths[stage];
    Chain blocks;
    for (int64_t i = 0; i < spec.blocks[stage]; ++i, ++index) {
      const double p = spec.stochasticDepth * static_cast<double>(index) / (static_cast<double>(total) - 1.0);
      blocks->push_back(CNBlock(dim, kLayerScale, p, generator));
    }
    features->push_back(blocks);
    if (stage + 1 < spec.blocks.size()) {
      features->push_back(Chain(LayerNorm2d(dim, kNormEps), Conv(dim, spec.widths[stage + 1], 2, 2, 0)));
    }
  }
  features_out_ = spec.widths.back();
  features_ = register_module("features", features);
  avgpool_ = register_module("avgpool", nn::AdaptiveAvgPool2d(1));
  classifier_ = register_module(
      "classifier", Chain(LayerNorm2d(features_out_, kNormEps), nn::Flatten(nn::FlattenOptions().start_dim(1)),
                          nn::Linear(features_out_, numClasses)));
}

Chain ConvNeXtImpl::Body() const {
  Chain body;
  body->push_back(features_);
  return body;
}

torch::Tensor ConvNeXtImpl::forward(torch::Tensor x) {
  return classifier_->forward(avgpool_->forward(features_->forward(std::move(x))));
}

ConvNeXt MakeConvnext(const ConvnextSpec& spec, at::Generator generator, int64_t numClasses) {
  ConvNeXt net(spec, numClasses, generator);
  torch::NoGradGuard noGrad;
  for (const auto& module : net->modules(/*include_self=*/false)) {
    if (auto* conv = module->as<nn::Conv2d>()) {
      TruncatedNormal(conv->weight, 0.02, generator);
      conv->bias.zero_();
    } else if (auto* linear = module->as<nn::Linear>()) {
      TruncatedNormal(linear->weight, 0.02, generator);
      linear->bias.zero_();
    }
  }
  return net;
}

}  // namespace fasttune::models
