// SPDX-License-Identifier: Apache-2.0
// The size of a base image (what an item transform asks the decoder for) and the JPEG
// shrink-on-load factor, by the rules the sharp path follows, so that both paths make bases of
// the same size from the same file.
#pragma once

namespace fasttune::image {

enum class Fit { kOutside, kInside, kFill };

struct BaseSpec {
  int width = 0;
  int height = 0;
  Fit fit = Fit::kOutside;
  bool without_enlargement = false;
};

struct Size {
  int width = 0;
  int height = 0;
};

// Input pixels per output pixel along x and y for an image of `from` pixels.
struct Shrink {
  double x = 1.0;
  double y = 1.0;
};
Shrink ShrinkFor(Size from, const BaseSpec& spec);

// The DCT scaling denominator (1, 2, 4 or 8) to decode at: the largest power of two the shrink
// allows, one step lower when it would leave the final resample (almost) nothing to do.
int JpegShrinkOnLoad(Size from, const BaseSpec& spec);

// The base size for an image of `from` pixels (its full size, upright).
Size BaseSize(Size from, const BaseSpec& spec);

}  // namespace fasttune::image
