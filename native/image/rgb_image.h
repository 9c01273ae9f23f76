// SPDX-License-Identifier: Apache-2.0
// An 8-bit RGB image as the data pipeline passes it around: row-major, height × width pixels of
// 3 bytes (RGB), or of 4 (RGBX, the fourth byte unused) where the decoder's output feeds a
// resampler that reads whole 32-bit pixels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace fasttune::image {

struct RgbImage {
  int width = 0;
  int height = 0;
  int channels = 3;
  // Left uninitialised on allocation: every producer writes every byte.
  std::unique_ptr<uint8_t[]> pixels;

  RgbImage() = default;
  RgbImage(int w, int h, int c = 3) : width(w), height(h), channels(c), pixels(new uint8_t[bytes()]) {}
  size_t bytes() const { return static_cast<size_t>(width) * height * channels; }
  uint8_t* row(int y) { return pixels.get() + static_cast<size_t>(y) * width * channels; }
  const uint8_t* row(int y) const { return pixels.get() + static_cast<size_t>(y) * width * channels; }
};

// `in` with 3 bytes per pixel (moved through when it has them already).
RgbImage PackRgb(RgbImage in);

// The w × h window at (left, top) of an RGB image `width` pixels wide, as RGBX (what the
// resampler's fast horizontal pass reads). The window must lie inside the image.
RgbImage WindowRgbx(const uint8_t* rgb, int width, int left, int top, int w, int h);

}  // namespace fasttune::image
