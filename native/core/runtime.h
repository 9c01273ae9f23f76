// SPDX-License-Identifier: Apache-2.0
// What the linked LibTorch is and can do; thread settings.
#pragma once

#include <string>

namespace fasttune {

struct RuntimeInfo {
  std::string libtorchVersion;
  bool cudaBuild = false;      // LibTorch was built with CUDA support
  bool cudaAvailable = false;  // ... and a device is usable now
  bool cudnnAvailable = false;
  int cudaDeviceCount = 0;
  int threads = 0;
  std::string config;  // LibTorch's own build summary
};

RuntimeInfo DescribeRuntime();

// Intra-op threads LibTorch uses for one operation; n >= 1.
void SetThreads(int n);
int CurrentThreads();

// The machine's cores (those this process may run on), or FASTTUNE_NUM_THREADS when it holds a
// positive integer. Some LibTorch builds (Debian's) otherwise default to a single thread.
int DefaultThreads();

// Sets the thread count to DefaultThreads() unless it was configured already (the addon may be
// loaded again by worker threads; the first load decides).
void InitThreads();

// Applies the configured thread count to the calling thread. OpenMP keeps the count per thread,
// so a pool thread that ran LibTorch before a later SetThreads() would otherwise keep the old one.
void UseConfiguredThreads();

}  // namespace fasttune
