// SPDX-License-Identifier: Apache-2.0
#include "core/runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "core/error.h"

#if TORCH_VERSION_MAJOR < 1 || (TORCH_VERSION_MAJOR == 1 && TORCH_VERSION_MINOR < 13)
#error "fasttune needs LibTorch 1.13 or newer"
#endif

namespace fasttune {

RuntimeInfo DescribeRuntime() {
  RuntimeInfo info;
  info.libtorchVersion = TORCH_VERSION;
  info.cudaBuild = at::hasCUDA();
  info.cudaAvailable = torch::cuda::is_available();
  info.cudnnAvailable = info.cudaAvailable && torch::cuda::cudnn_is_available();
  info.cudaDeviceCount = info.cudaAvailable ? static_cast<int>(torch::cuda::device_count()) : 0;
  info.threads = at::get_num_threads();
  info.config = at::show_config();
  return info;
}

void SetThreads(int n) {
  if (n < 1) throw CodedError(kArg, "thread count must be at least 1, got " + std::to_string(n));
  at::set_num_threads(n);
}

int CurrentThreads() { return at::get_num_threads(); }

}  // namespace fasttune
