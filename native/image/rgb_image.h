// SPDX-License-Identifier: Apache-2.0
// An 8-bit RGB image as the data pipeline passes it around: row-major, height × width × 3.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace fasttune::image {

struct RgbImage {
  int width = 0;
  int height = 0;
  // Left uninitialised on allocation: every producer writes every byte.
  std::unique_ptr<uint8_t[]> pixels;

  RgbImage() = default;
  RgbImage(int w, int h) : width(w), height(h), pixels(new uint8_t[bytes()]) {}
  size_t bytes() const { return static_cast<size_t>(width) * height * 3; }
  uint8_t* row(int y) { return pixels.get() + static_cast<size_t>(y) * width * 3; }
  const uint8_t* row(int y) const { return pixels.get() + static_cast<size_t>(y) * width * 3; }
};

}  // namespace fasttune::image
