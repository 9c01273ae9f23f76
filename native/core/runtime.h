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
  std::string config;          // LibTorch's own build summary
};

RuntimeInfo DescribeRuntime();

// Intra-op threads LibTorch uses for one operation; n >= 1.
void SetThreads(int n);
int CurrentThreads();

}  // namespace fasttune
