// SPDX-License-Identifier: Apache-2.0
#include "core/device.h"

#include <ATen/Context.h>
#include <torch/cuda.h>

#include "core/error.h"

namespace fasttune {

namespace {

c10::Device Cuda(int64_t index, const std::string& name) {
  if (!at::hasCUDA()) {
    throw CodedError(kArg, "device '" + name +
                               "' was requested, but this LibTorch build has no CUDA support; "
                               "use device 'cpu', or install a CUDA LibTorch and rebuild");
  }
  const int64_t count = static_cast<int64_t>(torch::cuda::device_count());
  if (count == 0) throw CodedError(kArg, "device '" + name + "' was requested, but no CUDA device is available");
  if (index >= count) {
    throw CodedError(kArg, "device '" + name + "' was requested, but only " + std::to_string(count) +
                               " CUDA device(s) exist (cuda:0 to cuda:" + std::to_string(count - 1) + ")");
  }
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
}

}  // namespace

c10::Device ResolveDevice(const std::string& name) {
  if (name == "cpu") return c10::Device(c10::kCPU);
  if (name == "auto") return torch::cuda::is_available() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  if (name == "cuda") return Cuda(0, name);
  const std::string prefix = "cuda:";
  if (name.rfind(prefix, 0) == 0 && name.size() > prefix.size() && name.size() <= prefix.size() + 3 &&
      name.find_first_not_of("0123456789", prefix.size()) == std::string::npos) {
    return Cuda(std::stoll(name.substr(prefix.size())), name);
  }
  throw CodedError(kArg, "device must be 'cpu', 'cuda', 'cuda:N' or 'auto', got '" + name + "'");
}

}  // namespace fasttune
