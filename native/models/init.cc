// SPDX-License-Identifier: Apache-2.0
#include "models/init.h"

#include <cmath>

namespace fasttune::models {

namespace {

int64_t ReceptiveField(const torch::Tensor& weight) {
  int64_t field = 1;
  for (int64_t d = 2; d < weight.dim(); ++d) field *= weight.size(d);
  return field;
}

}  // namespace

int64_t FanIn(const torch::Tensor& weight) { return weight.size(1) * ReceptiveField(weight); }

int64_t FanOut(const torch::Tensor& weight) { return weight.size(0) * ReceptiveField(weight); }

void KaimingNormal(torch::Tensor& weight, int64_t fan, at::Generator& generator) {
  torch::NoGradGuard noGrad;
  weight.normal_(0.0, std::sqrt(2.0 / static_cast<double>(fan)), generator);
}

void LinearDefault(torch::Tensor& weight, torch::Tensor& bias, at::Generator& generator) {
  torch::NoGradGuard noGrad;
  const double bound = 1.0 / std::sqrt(static_cast<double>(FanIn(weight)));
  weight.uniform_(-bound, bound, generator);
  if (bias.defined()) bias.uniform_(-bound, bound, generator);
}

void TruncatedNormal(torch::Tensor& weight, double std, at::Generator& generator) {
  torch::NoGradGuard noGrad;
  constexpr double a = -2.0, b = 2.0;
  const auto cdf = [](double x) { return (1.0 + std::erf(x / std::sqrt(2.0))) / 2.0; };
  const double low = cdf(a / std), high = cdf(b / std);
  weight.uniform_(2 * low - 1, 2 * high - 1, generator);
  weight.erfinv_();
  weight.mul_(std * std::sqrt(2.0));
  weight.clamp_(a, b);
}

}  // namespace fasttune::models
