// SPDX-License-Identifier: Apache-2.0
#include "models/head.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include "core/error.h"
#include "models/init.h"

namespace fasttune::models {

namespace nn = torch::nn;

torch::Tensor AdaptiveConcatPool2dImpl::forward(const torch::Tensor& x) {
  return torch::cat({std::get<0>(torch::adaptive_max_pool2d(x, {1, 1})), torch::adaptive_avg_pool2d(x, {1, 1})}, 1);
}

SeededDropoutImpl::SeededDropoutImpl(double p, at::Generator generator) : p_(p), generator_(std::move(generator)) {}

torch::Tensor SeededDropoutImpl::forward(const torch::Tensor& x) {
  if (!is_training() || p_ == 0.0 || x.numel() == 0) return x;
  if (p_ == 1.0) return x * torch::zeros({}, x.options());
  torch::Tensor noise = torch::empty(x.sizes(), torch::TensorOptions().dtype(torch::kFloat32));
  noise.bernoulli_(1.0 - p_, generator_);
  noise.div_(1.0 - p_);
  return x * noise.to(x.device(), x.scalar_type());
}

HeadLayerKind ParseHeadLayerKind(const std::string& kind) {
  if (kind == "adaptiveConcatPool") return HeadLayerKind::kConcatPool;
  if (kind == "adaptiveAvgPool") return HeadLayerKind::kAvgPool;
  if (kind == "flatten") return HeadLayerKind::kFlatten;
  if (kind == "batchNorm1d") return HeadLayerKind::kBatchNorm;
  if (kind == "dropout") return HeadLayerKind::kDropout;
  if (kind == "linear") return HeadLayerKind::kLinear;
  if (kind == "relu") return HeadLayerKind::kRelu;
  throw CodedError(kArg, "unknown head layer type '" + kind + "'");
}

std::vector<HeadLayer> DefaultHead(int64_t features, int64_t nOut, double ps) {
  const int64_t pooled = 2 * features, hidden = 512;
  HeadLayer bn1{HeadLayerKind::kBatchNorm}, bn2{HeadLayerKind::kBatchNorm};
  bn1.out = pooled;
  bn2.out = hidden;
  HeadLayer drop1{HeadLayerKind::kDropout}, drop2{HeadLayerKind::kDropout};
  drop1.p = ps / 2;
  drop2.p = ps;
  HeadLayer lin1{HeadLayerKind::kLinear, pooled, hidden}, lin2{HeadLayerKind::kLinear, hidden, nOut};
  return {{HeadLayerKind::kConcatPool},
          {HeadLayerKind::kFlatten},
          bn1,
          drop1,
          lin1,
          {HeadLayerKind::kRelu},
          bn2,
          drop2,
          lin2};
}

Chain BuildHead(const std::vector<HeadLayer>& layers, int64_t features, int64_t nOut, at::Generator generator) {
  Chain head;
  int64_t width = features;
  bool spatial = true;  // the body's output is n x c x h x w until flattened
  const auto fail = [](size_t i, const std::string& what) {
    throw CodedError(kArg, "head layer " + std::to_string(i) + ": " + what);
  };
  torch::NoGradGuard noGrad;
  for (size_t i = 0; i < layers.size(); ++i) {
    const HeadLayer& layer = layers[i];
    switch (layer.kind) {
      case HeadLayerKind::kConcatPool:
      case HeadLayerKind::kAvgPool:
        if (!spatial) fail(i, "pooling after flatten");
        if (layer.kind == HeadLayerKind::kConcatPool) {
          width *= 2;
          head->push_back(AdaptiveConcatPool2d());
        } else {
          head->push_back(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions(1)));
        }
        break;
      case HeadLayerKind::kFlatten:
        spatial = false;
        head->push_back(nn::Flatten(nn::FlattenOptions().start_dim(1)));
        break;
      case HeadLayerKind::kBatchNorm: {
        if (spatial || layer.out != width)
          fail(i, "BatchNorm1d of " + std::to_string(layer.out) + " features after " + std::to_string(width) +
                      (spatial ? " feature maps (pool and flatten first)" : " features"));
        auto bn = nn::BatchNorm1d(nn::BatchNormOptions(layer.out).momentum(layer.momentum));
        bn->weight.fill_(1.0);
        bn->bias.fill_(layer.biasInit);
        head->push_back(bn);
        break;
      }
      case HeadLayerKind::kDropout:
        if (!(layer.p >= 0 && layer.p <= 1)) fail(i, "dropout p must lie in [0, 1]");
        head->push_back(SeededDropout(layer.p, generator));
        break;
      case HeadLayerKind::kLinear: {
        if (spatial || layer.in != width)
          fail(i, "Linear of " + std::to_string(layer.in) + " inputs after " + std::to_string(width) +
                      (spatial ? " feature maps (pool and flatten first)" : " features"));
        if (layer.out < 1) fail(i, "Linear needs at least one output");
        auto lin = nn::Linear(nn::LinearOptions(layer.in, layer.out).bias(layer.bias));
        KaimingNormal(lin->weight, FanIn(lin->weight), generator);
        if (layer.bias) lin->bias.zero_();
        head->push_back(lin);
        width = layer.out;
        break;
      }
      case HeadLayerKind::kRelu: head->push_back(nn::ReLU(nn::ReLUOptions().inplace(true))); break;
    }
  }
  if (spatial || width != nOut)
    throw CodedError(kArg, "the head ends in " + std::to_string(width) + (spatial ? " feature maps" : " features") +
                               " but the model has " + std::to_string(nOut) + " outputs");
  return head;
}

}  // namespace fasttune::models
