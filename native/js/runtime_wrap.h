// SPDX-License-Identifier: Apache-2.0
// Process-wide functions: versions, devices, threads, and the error-class hand-over.
#pragma once

#include <napi.h>

namespace fasttune::js {

void InitRuntime(Napi::Env env, Napi::Object exports);

}  // namespace fasttune::js
