// SPDX-License-Identifier: Apache-2.0
// Bilinear resampling with Pillow's arithmetic (antialiased when shrinking: the triangle filter
// widens with the scale; 22-bit fixed-point weights; horizontal pass, then vertical), so a base
// image made here equals `Image.resize(size, BILINEAR)` of the same pixels byte for byte.
#pragma once

#include "image/rgb_image.h"

namespace fasttune::image {

// `in` resampled to width × height (which must differ from its size).
// `in` (RGB or RGBX) resampled to width × height, RGB.
RgbImage ResampleBilinear(RgbImage in, int width, int height);

}  // namespace fasttune::image
