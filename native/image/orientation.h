// SPDX-License-Identifier: Apache-2.0
// EXIF orientation: read from a JPEG's APP1 segment and applied to the pixels, so that images
// arrive upright as sharp's autoOrient (and PIL's ImageOps.exif_transpose) deliver them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "image/rgb_image.h"

namespace fasttune::image {

// The orientation tag (1–8) of an APP1 "Exif" payload; 1 when absent or unreadable.
int ExifOrientation(const uint8_t* app1, size_t size);

// True for orientations that swap width and height (5–8).
inline bool SwapsAxes(int orientation) { return orientation >= 5 && orientation <= 8; }

// `in` turned upright per `orientation` (returned as is for 1).
RgbImage Orient(RgbImage in, int orientation);

}  // namespace fasttune::image
