// SPDX-License-Identifier: Apache-2.0
#include "train/autocast.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include "core/error.h"

// LibTorch 2.4 replaced the per-device functions (set_enabled, set_cpu_enabled, ...) by ones that
// take the device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define FASTTUNE_AUTOCAST_BY_DEVICE 1
#else
#define FASTTUNE_AUTOCAST_BY_DEVICE 0
#endif

namespace fasttune::train {

namespace {

bool IsEnabled(c10::DeviceType device) {
#if FASTTUNE_AUTOCAST_BY_DEVICE
  return at::autocast::is_autocast_enabled(device);
#else
  return device == c10::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

void SetEnabled(c10::DeviceType device, bool enabled) {
#if FASTTUNE_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_enabled(device, enabled);
#else
  if (device == c10::kCUDA) {
    at::autocast::set_enabled(enabled);
  } else {
    at::autocast::set_cpu_enabled(enabled);
  }
#endif
}

c10::ScalarType GetDtype(c10::DeviceType device) {
#if FASTTUNE_AUTOCAST_BY_DEVICE
  return at::autocast::get_autocast_dtype(device);
#else
  return device == c10::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}

void SetDtype(c10::DeviceType device, c10::ScalarType dtype) {
#if FASTTUNE_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_dtype(device, dtype);
#else
  if (device == c10::kCUDA) {
    at::autocast::set_autocast_gpu_dtype(dtype);
  } else {
    at::autocast::set_autocast_cpu_dtype(dtype);
  }
#endif
}

}  // namespace

Precision ParsePrecision(const std::string& name) {
  if (name == "fp32") return Precision::kFp32;
  if (name == "bf16") return Precision::kBf16;
  if (name == "fp16") return Precision::kFp16;
  throw CodedError(kArg, "precision must be 'fp32', 'bf16' or 'fp16', got '" + name + "'");
}

std::string PrecisionName(Precision precision) {
  switch (precision) {
    case Precision::kBf16: return "bf16";
    case Precision::kFp16: return "fp16";
    case Precision::kFp32: break;
  }
  return "fp32";
}

AutocastScope::AutocastScope(c10::DeviceType device, Precision precision) : device_(device) {
  if (precision == Precision::kFp32) return;
  if (device != c10::kCPU && device != c10::kCUDA) {
    throw CodedError(kArg, "mixed precision is supported on CPU and CUDA devices only");
  }
  if (precision == Precision::kFp16 && device != c10::kCUDA) {
    throw CodedError(kArg, "fp16 mixed precision needs a CUDA device; use bf16 on the CPU");
  }
  previousEnabled_ = IsEnabled(device);
  previousDtype_ = GetDtype(device);
  SetEnabled(device, true);
  SetDtype(device, precision == Precision::kFp16 ? c10::kHalf : c10::kBFloat16);
  at::autocast::increment_nesting();
  active_ = true;
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  // The cache holds low-precision copies of the weights, stale after the optimizer step.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  SetEnabled(device_, previousEnabled_);
  SetDtype(device_, previousDtype_);
}

}  // namespace fasttune::train
