// SPDX-License-Identifier: Apache-2.0
// Batch augmentation on the device: one resample (affine grid, perspective warp, optional area
// pre-shrink, grid_sample) followed by lighting in logit space, fastai's batch transforms in the
// order they run (after uint8 → float, before normalization).
#pragma once

#include <cstdint>

#include <torch/types.h>

namespace fasttune::train {

// grid_sample's interpolation codes.
enum class Resample : int64_t { kBilinear = 0, kNearest = 1, kBicubic = 2 };
// grid_sample's padding codes.
enum class Padding : int64_t { kZeros = 0, kBorder = 1, kReflection = 2 };

// Everything drawn for one batch of n images (see src/augment/types.ts). Tensors may live on any
// device; undefined tensors mean "no such step".
struct AugmentParams {
  int64_t height = 0;  // output size
  int64_t width = 0;
  torch::Tensor affine;      // [n, 3, 3] float, output → input on normalized coords; undefined: identity
  torch::Tensor warp;        // [n, 8] homography coefficients (last entry 1), applied after `affine`
  torch::Tensor brightness;  // [n] added in logit space
  torch::Tensor contrast;    // [n] multiplying in logit space
  Resample mode = Resample::kBilinear;
  Padding padding = Padding::kReflection;
  bool alignCorners = true;
};

// Augments a float batch [n, c, h, w] of values in [0, 1] and returns [n, c, height, width] on the
// same device. Without affine, warp or resize there is no resample (the input itself comes back
// when there is no lighting either). Lighting runs when brightness or contrast is set (the
// training split). Call it outside autocast: it computes in the batch's float dtype.
torch::Tensor Augment(const torch::Tensor& images, const AugmentParams& params);

}  // namespace fasttune::train
