// SPDX-License-Identifier: Apache-2.0
// Batch augmentation from JS: AugmentParams objects into native params, and augmentBatch(), which
// runs a uint8 batch through the device augmentation (for showBatch and tests).
#pragma once

#include <cstdint>

#include <napi.h>

#include "train/augment.h"

namespace fasttune::js {

// Copies a JS AugmentParams for a batch of n images (on the JS thread); tensors stay on the CPU.
// `undefined` means "resize nothing": the caller passes the input size as the default.
train::AugmentParams AugmentParamsFromJs(const Napi::Value& value, int64_t n, int64_t height, int64_t width);

void InitAugment(Napi::Env env, Napi::Object exports);

}  // namespace fasttune::js
