// SPDX-License-Identifier: Apache-2.0
#include "core/runtime.h"

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>

#include <sched.h>

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

namespace {

std::atomic<int> configuredThreads{0};  // 0: never set

int UsableCores() {
#ifdef CPU_COUNT
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 0 ? static_cast<int>(cores) : 1;
}

}  // namespace

RuntimeInfo DescribeRuntime() {
  RuntimeInfo info;
  info.libtorchVersion = TORCH_VERSION;
  info.cudaBuild = at::hasCUDA();
  info.cudaAvailable = torch::cuda::is_available();
  info.cudnnAvailable = info.cudaAvailable && torch::cuda::cudnn_is_available();
  info.cudaDeviceCount = info.cudaAvailable ? static_cast<int>(torch::cuda::device_count()) : 0;
  info.threads = CurrentThreads();
  info.config = at::show_config();
  return info;
}

void SetThreads(int n) {
  if (n < 1) throw CodedError(kArg, "thread count must be at least 1, got " + std::to_string(n));
  configuredThreads.store(n);
  at::set_num_threads(n);
}

int CurrentThreads() {
  const int configured = configuredThreads.load();
  return configured > 0 ? configured : at::get_num_threads();
}

int DefaultThreads() {
  const char* env = std::getenv("FASTTUNE_NUM_THREADS");
  if (env != nullptr && *env != '\0') {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (*end == '\0' && n >= 1 && n <= 4096) return static_cast<int>(n);
  }
  return UsableCores();
}

void InitThreads() {
  int unset = 0;
  const int n = DefaultThreads();
  if (configuredThreads.compare_exchange_strong(unset, n)) at::set_num_threads(n);
}

void UseConfiguredThreads() {
  const int configured = configuredThreads.load();
  if (configured > 0 && at::get_num_threads() != configured) at::set_num_threads(configured);
}

}  // namespace fasttune
