// SPDX-License-Identifier: Apache-2.0
#include "train/mix.h"

#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"

namespace fasttune::train {

namespace {

using torch::indexing::Ellipsis;
using torch::indexing::Slice;

// The draws on the device of the tensor they apply to.
MixParams On(const MixParams& mix, const torch::Device& device) {
  return {mix.shuffle.to(device), mix.lam.to(device), mix.box};
}

}  // namespace

void CheckMix(const MixParams& mix, int64_t n) {
  if (!mix.shuffle.defined() || mix.shuffle.dim() != 1 || mix.shuffle.size(0) != n)
    throw CodedError(kArg, "mix.shuffle must hold one index per image (" + std::to_string(n) + ")");
  if (!mix.lam.defined() || mix.lam.dim() != 1 || mix.lam.size(0) != n)
    throw CodedError(kArg, "mix.lam must hold one weight per image (" + std::to_string(n) + ")");
  const torch::Tensor shuffle = mix.shuffle.to(torch::kCPU, torch::kInt64).contiguous();
  const int64_t* index = shuffle.data_ptr<int64_t>();
  std::vector<bool> seen(static_cast<size_t>(n), false);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t j = index[i];
    if (j < 0 || j >= n || seen[static_cast<size_t>(j)])
      throw CodedError(kArg, "mix.shuffle must be a permutation of 0 … " + std::to_string(n - 1));
    seen[static_cast<size_t>(j)] = true;
  }
  if (!torch::isfinite(mix.lam).all().item<bool>()) throw CodedError(kArg, "mix.lam must be finite numbers");
  if (mix.box) {
    const auto [x1, y1, x2, y2] = *mix.box;
    if (x1 < 0 || y1 < 0 || x2 < x1 || y2 < y1)
      throw CodedError(kArg, "mix.box must be [x1, y1, x2, y2] with 0 ≤ x1 ≤ x2 and 0 ≤ y1 ≤ y2");
  }
}

torch::Tensor MixImages(const torch::Tensor& images, const MixParams& mix) {
  const MixParams m = On(mix, images.device());
  const torch::Tensor shuffled = images.index_select(0, m.shuffle);
  if (!m.box) return torch::lerp(shuffled, images, m.lam.to(images.scalar_type()).view({-1, 1, 1, 1}));
  const auto [x1, y1, x2, y2] = *m.box;
  const int64_t h = images.size(2);
  const int64_t w = images.size(3);
  if (x2 > w || y2 > h) {
    throw CodedError(kArg, "mix.box [" + std::to_string(x1) + ", " + std::to_string(y1) + ", " + std::to_string(x2) +
                               ", " + std::to_string(y2) + "] does not fit the " + std::to_string(h) + " x " +
                               std::to_string(w) + " input");
  }
  torch::Tensor mixed = images.clone();
  const std::vector<torch::indexing::TensorIndex> region{Ellipsis, Slice(y1, y2), Slice(x1, x2)};
  mixed.index_put_(region, shuffled.index(region));
  return mixed;
}

torch::Tensor MixedLoss(const LossSpec& spec, const torch::Tensor& weight, const torch::Tensor& outputs,
                        const torch::Tensor& targets, const MixParams& mix) {
  const MixParams m = On(mix, outputs.device());
  const torch::Tensor shuffled = targets.index_select(0, m.shuffle);
  if (TakesClassIndices(spec.kind)) {
    const torch::Tensor own = ItemLosses(spec, weight, outputs, targets);
    return torch::lerp(ItemLosses(spec, weight, outputs, shuffled), own, m.lam.to(own.scalar_type())).mean();
  }
  const torch::Tensor mixed = torch::lerp(shuffled, targets, m.lam.to(targets.scalar_type()).view({-1, 1}));
  return BatchLoss(spec, weight, outputs, mixed);
}

}  // namespace fasttune::train
