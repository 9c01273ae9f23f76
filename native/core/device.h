// SPDX-License-Identifier: Apache-2.0
// Device names as users write them: 'cpu', 'cuda', 'cuda:N', 'auto'.
#pragma once

#include <string>

#include <c10/core/Device.h>

namespace fasttune {

// Resolves a device name; throws CodedError(E_ARG) for unknown names and for CUDA devices this
// LibTorch build or machine does not have. 'auto' is the first CUDA device when there is one.
c10::Device ResolveDevice(const std::string& name);

}  // namespace fasttune
