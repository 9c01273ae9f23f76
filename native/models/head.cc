// SPDX-License-Identifier: Apache-2.0
#include "models/head.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>

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

Chain CreateHead(int64_t features, int64_t nOut, double ps, at::Generator generator) {
  const int64_t pooled = 2 * features;
  const int64_t hidden = 512;
  auto bn1 = nn::BatchNorm1d(pooled);
  auto lin1 = nn::Linear(nn::LinearOptions(pooled, hidden).bias(false));
  auto bn2 = nn::BatchNorm1d(hidden);
  auto lin2 = nn::Linear(nn::LinearOptions(hidden, nOut).bias(false));
  {
    torch::NoGradGuard noGrad;
    for (auto* bn : {bn1.get(), bn2.get()}) {
      bn->weight.fill_(1.0);
      bn->bias.fill_(1e-3);
    }
    KaimingNormal(lin1->weight, FanIn(lin1->weight), generator);
    KaimingNormal(lin2->weight, FanIn(lin2->weight), generator);
  }
  return Chain(AdaptiveConcatPool2d(), nn::Flatten(nn::FlattenOptions().start_dim(1)), bn1,
               SeededDropout(ps / 2, generator), lin1, nn::ReLU(nn::ReLUOptions().inplace(true)), bn2,
               SeededDropout(ps, generator), lin2);
}

}  // namespace fasttune::models
