// SPDX-License-Identifier: Apache-2.0
#include "image/base_size.h"

#include <algorithm>

namespace fasttune::image {

Shrink ShrinkFor(Size from, const BaseSpec& spec) {
  Shrink s{static_cast<double>(from.width) / spec.width, static_cast<double>(from.height) / spec.height};
  if (spec.fit == Fit::kOutside) {
    s.x = s.y = std::min(s.x, s.y);
  } else if (spec.fit == Fit::kInside) {
    s.x = s.y = std::max(s.x, s.y);
  }
  if (spec.without_enlargement) {
    s.x = std::max(1.0, s.x);
    s.y = std::max(1.0, s.y);
  }
  // Never shrink an axis below one pixel.
  s.x = std::min(s.x, static_cast<double>(from.width));
  s.y = std::min(s.y, static_cast<double>(from.height));
  return s;
}

int JpegShrinkOnLoad(Size from, const BaseSpec& spec) {
  const Shrink s = ShrinkFor(from, spec);
  const double shrink = std::min(s.x, s.y);
  int d = shrink >= 8 ? 8 : shrink >= 4 ? 4 : shrink >= 2 ? 2 : 1;
  // libjpeg rounds scaled sizes up; at a shrink just over d that could leave the base short.
  if (d > 1 && static_cast<int>(shrink) == d) d /= 2;
  return d;
}

Size BaseSize(Size from, const BaseSpec& spec) {
  const Shrink s = ShrinkFor(from, spec);
  // Rounded half up, as libvips sizes a resize by a scale factor.
  const auto scaled = [](int n, double shrink) { return std::max(1, static_cast<int>(n * (1.0 / shrink) + 0.5)); };
  return {scaled(from.width, s.x), scaled(from.height, s.y)};
}

}  // namespace fasttune::image
