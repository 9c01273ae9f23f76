// SPDX-License-Identifier: Apache-2.0
#include "train/grad_scaler.h"

#include <algorithm>
#include <utility>

namespace fasttune::train {

GradScaler::GradScaler(const GradScalerOptions& options) : options_(options) { state_.scale = options.initScale; }

bool GradScaler::Unscale(const std::vector<torch::Tensor>& grads) const {
  if (grads.empty()) return true;
  torch::NoGradGuard noGrad;
  const double inverse = 1.0 / state_.scale;
  // Fused unscale-and-check kernels exist for CUDA only; elsewhere the same in two passes.
  std::vector<std::pair<c10::Device, std::vector<torch::Tensor>>> byDevice;
  for (const torch::Tensor& g : grads) {
    auto same = std::find_if(byDevice.begin(), byDevice.end(), [&](const auto& d) { return d.first == g.device(); });
    if (same == byDevice.end()) same = byDevice.insert(byDevice.end(), {g.device(), {}});
    same->second.push_back(g);
  }
  std::vector<torch::Tensor> flags;
  for (auto& [device, list] : byDevice) {
    const auto options = torch::TensorOptions().device(device).dtype(torch::kFloat32);
    if (device.is_cuda()) {
      torch::Tensor foundInf = torch::zeros({1}, options);
      at::_amp_foreach_non_finite_check_and_unscale_(list, foundInf, torch::full({1}, inverse, options));
      flags.push_back(foundInf.gt(0).to(torch::kCPU));
    } else {
      torch::_foreach_mul_(list, inverse);
      std::vector<torch::Tensor> bad;
      bad.reserve(list.size());
      for (const torch::Tensor& g : list) bad.push_back(torch::isfinite(g).logical_not().any());
      flags.push_back(torch::stack(bad).any().to(torch::kCPU));
    }
  }
  for (const torch::Tensor& flag : flags) {
    if (flag.item<bool>()) return false;
  }
  return true;
}

void GradScaler::Update(bool finite) {
  if (!finite) {
    state_.scale *= options_.backoffFactor;
    state_.growthTracker = 0;
    ++state_.skippedSteps;
    return;
  }
  if (++state_.growthTracker == options_.growthInterval) {
    state_.scale *= options_.growthFactor;
    state_.growthTracker = 0;
  }
}

}  // namespace fasttune::train
