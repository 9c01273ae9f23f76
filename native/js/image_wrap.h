// SPDX-License-Identifier: Apache-2.0
// The data pipeline's native image work: decodeJpegBase (image/jpeg_base.h) and
// resampleWindow (image/resample.h).
#pragma once

#include <string>

#include <napi.h>

namespace fasttune::js {

// The libjpeg the addon decodes with ("libjpeg-turbo 2.1.5"), or "" when built without one.
std::string JpegLibrary();

void InitImage(Napi::Env env, Napi::Object exports);

}  // namespace fasttune::js
