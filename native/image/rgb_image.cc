// SPDX-License-Identifier: Apache-2.0
#include "image/rgb_image.h"

namespace fasttune::image {

RgbImage PackRgb(RgbImage in) {
  if (in.channels == 3) return in;
  RgbImage out(in.width, in.height, 3);
  const size_t n = static_cast<size_t>(in.width) * in.height;
  const uint8_t* src = in.pixels.get();
  uint8_t* dst = out.pixels.get();
  for (size_t i = 0; i < n; ++i, src += in.channels, dst += 3) {
    dst[0] = src[0];
    dst[1] = src[1];
    dst[2] = src[2];
  }
  return out;
}

RgbImage WindowRgbx(const uint8_t* rgb, int width, int left, int top, int w, int h) {
  RgbImage out(w, h, 4);
  for (int y = 0; y < h; ++y) {
    const uint8_t* src = rgb + (static_cast<size_t>(top + y) * width + left) * 3;
    uint8_t* dst = out.row(y);
    for (int x = 0; x < w; ++x, src += 3, dst += 4) {
      dst[0] = src[0];
      dst[1] = src[1];
      dst[2] = src[2];
      dst[3] = 0;
    }
  }
  return out;
}

}  // namespace fasttune::image
