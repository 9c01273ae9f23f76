// SPDX-License-Identifier: Apache-2.0
#include "train/preprocess.h"

#include "core/error.h"

namespace fasttune::train {

namespace {

torch::Tensor Stats(const std::array<double, 3>& values, c10::Device device) {
  return torch::tensor({values[0], values[1], values[2]}, torch::kFloat32).view({1, 3, 1, 1}).to(device);
}

}  // namespace

Preprocessor::Preprocessor(const Normalization& normalization, c10::Device device, bool channelsLast)
    : device_(device),
      normalize_(normalization.enabled),
      mean_(Stats(normalization.mean, device)),
      std_(Stats(normalization.std, device)),
      channelsLast_(channelsLast) {}

torch::Tensor Preprocessor::operator()(const torch::Tensor& images, const AugmentParams* augment) const {
  if (images.dim() != 4 || images.size(3) != 3 || images.scalar_type() != torch::kUInt8) {
    throw CodedError(kArg, "images must be uint8 n x height x width x 3");
  }
  // uint8 travels to the device: a quarter of the bytes of float. Augmentation gets the NCHW
  // layout applyAugment gives it (so both compute alike); otherwise NHWC stays, channels last
  // for free.
  torch::Tensor x = images.to(device_).permute({0, 3, 1, 2});
  if (augment != nullptr) x = x.contiguous();
  x = x.to(torch::kFloat32).div_(255);
  if (augment != nullptr) x = Augment(x, *augment);
  if (normalize_) x = (x - mean_) / std_;
  return x.contiguous(channelsLast_ ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous);
}

}  // namespace fasttune::train
