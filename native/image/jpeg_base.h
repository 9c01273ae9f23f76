// SPDX-License-Identifier: Apache-2.0
// The data pipeline's fast path for JPEG files: libjpeg decode (at 1/2, 1/4 or 1/8 scale when
// the base is that much smaller), EXIF orientation, one Pillow-exact bilinear resample to the
// base size. Decoded pixels are libjpeg's, as PIL's are; embedded ICC profiles are ignored, as
// PIL ignores them.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "image/base_size.h"
#include "image/rgb_image.h"

namespace fasttune::image {

// True when `bytes` start like a JPEG file.
bool LooksLikeJpeg(const uint8_t* bytes, size_t size);

// The base image of a JPEG file's bytes, sized per `spec` (the decoded size when absent).
// Empty when this path leaves the file to the general decoder: not a JPEG, colour spaces other
// than grey / YCbCr / RGB (CMYK), more than `max_pixels` pixels, or any libjpeg error or warning
// (corrupt or truncated data), so that every refusal is reported by one decoder in one way.
// Throws CodedError(E_IO) when the base itself would have more than `max_pixels` pixels.
std::optional<RgbImage> DecodeJpegBase(const std::vector<uint8_t>& file, const std::optional<BaseSpec>& spec,
                                       int64_t max_pixels);

}  // namespace fasttune::image
