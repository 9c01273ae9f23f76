// SPDX-License-Identifier: Apache-2.0
// decodeJpegBase: the data pipeline's native JPEG path (see image/jpeg_base.h).
#pragma once

#include <string>

#include <napi.h>

namespace fasttune::js {

// The libjpeg the addon decodes with ("libjpeg-turbo 2.1.5"), or "" when built without one.
std::string JpegLibrary();

void InitImage(Napi::Env env, Napi::Object exports);

}  // namespace fasttune::js
