// SPDX-License-Identifier: Apache-2.0
// readWeights / writeWeights: weight files as plain typed arrays, for tools and tests.
#pragma once

#include <napi.h>

namespace fasttune::js {

void InitWeights(Napi::Env env, Napi::Object exports);

}  // namespace fasttune::js
