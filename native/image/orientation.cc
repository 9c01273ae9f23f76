// SPDX-License-Identifier: Apache-2.0
#include "image/orientation.h"

#include <cstring>
#include <utility>

namespace fasttune::image {

namespace {

uint32_t Read(const uint8_t* p, int bytes, bool big_endian) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= static_cast<uint32_t>(p[big_endian ? i : bytes - 1 - i]) << (8 * (bytes - 1 - i));
  return v;
}

}  // namespace

int ExifOrientation(const uint8_t* app1, size_t size) {
  // "Exif\0\0", then a TIFF header: byte order, 42, offset of the first IFD.
  if (size < 14 || std::memcmp(app1, "Exif\0\0", 6) != 0) return 1;
  const uint8_t* tiff = app1 + 6;
  const size_t n = size - 6;
  bool big_endian;
  if (tiff[0] == 'M' && tiff[1] == 'M') {
    big_endian = true;
  } else if (tiff[0] == 'I' && tiff[1] == 'I') {
    big_endian = false;
  } else {
    return 1;
  }
  if (Read(tiff + 2, 2, big_endian) != 42) return 1;
  const uint32_t ifd = Read(tiff + 4, 4, big_endian);
  if (ifd > n || n - ifd < 2) return 1;
  const uint32_t entries = Read(tiff + ifd, 2, big_endian);
  for (uint32_t i = 0; i < entries; ++i) {
    const size_t at = ifd + 2 + static_cast<size_t>(i) * 12;
    if (at + 12 > n) return 1;
    if (Read(tiff + at, 2, big_endian) != 0x0112) continue;
    // A SHORT (type 3), count 1, value in the first two bytes of the value field.
    if (Read(tiff + at + 2, 2, big_endian) != 3) return 1;
    const uint32_t v = Read(tiff + at + 8, 2, big_endian);
    return v >= 1 && v <= 8 ? static_cast<int>(v) : 1;
  }
  return 1;
}

RgbImage Orient(RgbImage in, int orientation) {
  if (orientation < 2 || orientation > 8) return in;
  const int w = in.width, h = in.height;
  const int c = in.channels;
  RgbImage out = SwapsAxes(orientation) ? RgbImage(h, w, c) : RgbImage(w, h, c);
  for (int oy = 0; oy < out.height; ++oy) {
    uint8_t* dst = out.row(oy);
    for (int ox = 0; ox < out.width; ++ox) {
      int ix, iy;
      switch (orientation) {
        case 2:
          ix = w - 1 - ox;
          iy = oy;
          break;  // mirrored
        case 3:
          ix = w - 1 - ox;
          iy = h - 1 - oy;
          break;  // upside down
        case 4:
          ix = ox;
          iy = h - 1 - oy;
          break;  // flipped vertically
        case 5:
          ix = oy;
          iy = ox;
          break;  // transposed
        case 6:
          ix = oy;
          iy = h - 1 - ox;
          break;  // needs 90° clockwise
        case 7:
          ix = w - 1 - oy;
          iy = h - 1 - ox;
          break;  // transversed
        default:
          ix = w - 1 - oy;
          iy = ox;
          break;  // 8: needs 90° counter-clockwise
      }
      std::memcpy(dst + ox * c, in.row(iy) + ix * c, c);
    }
  }
  return out;
}

}  // namespace fasttune::image
