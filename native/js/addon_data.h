// SPDX-License-Identifier: Apache-2.0
// Per-environment state: the JS error class and constructors live here, never in statics,
// so the addon works in several worker_threads at once.
#pragma once

#include <napi.h>

namespace fasttune::js {

struct AddonData {
  Napi::FunctionReference errorClass;  // FasttuneError, handed over from TS at load time
  Napi::FunctionReference modelClass;  // VisionModel, instantiated by createVisionModel
  Napi::FunctionReference groupClass;  // ProcessGroup, instantiated by createProcessGroup
};

inline AddonData& Data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace fasttune::js
