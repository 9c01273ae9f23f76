// SPDX-License-Identifier: Apache-2.0
// From the data pipeline's uint8 NHWC pixels to the network's input, on the model's device:
// fastai's batch transforms in their order (to float, augmentation, normalization).
#pragma once

#include <array>

#include <c10/core/Device.h>
#include <torch/types.h>

#include "train/augment.h"

namespace fasttune::train {

// Per-channel statistics applied as (x - mean) / std to pixels in [0, 1].
struct Normalization {
  bool enabled = true;
  std::array<double, 3> mean{0.485, 0.456, 0.406};  // ImageNet
  std::array<double, 3> std{0.229, 0.224, 0.225};
};

class Preprocessor {
 public:
  Preprocessor(const Normalization& normalization, c10::Device device, bool channelsLast);

  // `images`: uint8, n x h x w x 3 on the CPU; `augment` (may be null) resamples and lights the
  // [0, 1] floats before normalization. Returns float32 n x 3 x h' x w' on the device. Call it
  // outside autocast: everything here computes in float32.
  torch::Tensor operator()(const torch::Tensor& images, const AugmentParams* augment = nullptr) const;

 private:
  c10::Device device_;
  bool normalize_;
  torch::Tensor mean_, std_;  // 1 x 3 x 1 x 1 on the device
  bool channelsLast_;
};

}  // namespace fasttune::train
