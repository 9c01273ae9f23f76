// SPDX-License-Identifier: Apache-2.0
// fastai's MixUp and CutMix inside a training step (fastai/callback/mixup.py): the draws come from
// TypeScript; here the normalized images are mixed on the device and the loss follows the mix.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include <torch/types.h>

#include "train/loss.h"

namespace fasttune::train {

// One batch's draws for n items. Item i is mixed with item shuffle[i]; lam[i] is the weight of its
// own image and target.
struct MixParams {
  torch::Tensor shuffle;  // [n] int64, a permutation of 0 … n−1
  torch::Tensor lam;      // [n] float32
  // CutMix: the box [x1, y1, x2, y2) of the network input whose pixels come from item shuffle[i]
  // (the images are not blended then); none: MixUp, x = lerp(x[shuffle], x, lam).
  std::optional<std::array<int64_t, 4>> box;
};

// Refuses draws that do not fit n items: shuffle and lam of n values, shuffle a permutation, lam
// finite, the box ordered and non-negative (its fit to the image is checked by MixImages).
void CheckMix(const MixParams& mix, int64_t n);

// The mixed batch of float images [n, c, h, w] (a new tensor; the input is left as it is).
torch::Tensor MixImages(const torch::Tensor& images, const MixParams& mix);

// The batch loss under the mix (fastai's MixHandler): for class-index losses (fastai's y_int) the
// mean over items of lerp(L(y[shuffle]), L(y), lam); for float targets the usual loss of the
// lerped targets lerp(y[shuffle], y, lam).
torch::Tensor MixedLoss(const LossSpec& spec, const torch::Tensor& weight, const torch::Tensor& outputs,
                        const torch::Tensor& targets, const MixParams& mix);

}  // namespace fasttune::train
