// SPDX-License-Identifier: Apache-2.0
// Sanitizer harness for the native image path (built and run by test/fuzz/jpeg-sanitized.mjs):
// seeded corruptions of the given JPEGs (truncation, flipped bits, random bytes) through
// DecodeJpegBase with random base specs, and random windows of each decoded base through
// ResampleBilinear. AddressSanitizer / UBSan abort on the first bad access; otherwise it prints
// how many cases decoded and how many were refused.
//
//   native_harness <count> <seed> <file.jpg>...
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "image/jpeg_base.h"
#include "image/resample.h"

using namespace fasttune::image;

namespace {

std::vector<uint8_t> ReadFile(const char* path) {
  std::vector<uint8_t> bytes;
  if (FILE* f = std::fopen(path, "rb")) {
    std::fseek(f, 0, SEEK_END);
    bytes.resize(static_cast<size_t>(std::ftell(f)));
    std::fseek(f, 0, SEEK_SET);
    if (std::fread(bytes.data(), 1, bytes.size(), f) != bytes.size()) bytes.clear();
    std::fclose(f);
  }
  return bytes;
}

void Corrupt(std::vector<uint8_t>& b, std::mt19937& rng) {
  switch (rng() % 4) {
    case 0: b.resize(rng() % b.size()); break;
    case 1:
      for (int k = 0, n = 1 + rng() % 8; k < n; ++k) b[rng() % b.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
      break;
    case 2:
      for (int k = 0, n = 1 + rng() % 4; k < n; ++k) b[rng() % b.size()] = static_cast<uint8_t>(rng());
      break;
    default: break;  // intact
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: native_harness <count> <seed> <file.jpg>...\n");
    return 2;
  }
  const int count = std::atoi(argv[1]);
  std::mt19937 rng(static_cast<unsigned>(std::atoi(argv[2])));
  std::vector<std::vector<uint8_t>> files;
  for (int i = 3; i < argc; ++i) files.push_back(ReadFile(argv[i]));
  int decoded = 0, refused = 0;
  for (int i = 0; i < count; ++i) {
    std::vector<uint8_t> bytes = files[rng() % files.size()];
    if (bytes.size() > 4) Corrupt(bytes, rng);
    std::optional<BaseSpec> spec;
    if (rng() % 4)
      spec = BaseSpec{1 + static_cast<int>(rng() % 300), 1 + static_cast<int>(rng() % 300), static_cast<Fit>(rng() % 3),
                      rng() % 2 == 0};
    std::optional<RgbImage> base;
    try {
      base = DecodeJpegBase(bytes, spec, 1 << 24);
    } catch (const fasttune::CodedError&) {
      // A base over the pixel limit: refused by design.
    }
    if (!base) {
      ++refused;
      continue;
    }
    ++decoded;
    for (int k = 0; k < 3; ++k) {
      const int left = rng() % base->width, top = rng() % base->height;
      const int w = 1 + rng() % (base->width - left), h = 1 + rng() % (base->height - top);
      const int out_w = 1 + rng() % 260, out_h = 1 + rng() % 260;
      RgbImage window = WindowRgbx(base->pixels.get(), base->width, left, top, w, h);
      const RgbImage out = ResampleBilinear(std::move(window), out_w, out_h);
      if (out.width != out_w || out.height != out_h || out.channels != 3) {
        std::fprintf(stderr, "case %d: resampled to %dx%dx%d instead of %dx%dx3\n", i, out.width, out.height,
                     out.channels, out_w, out_h);
        return 1;
      }
    }
  }
  std::printf("%d cases: %d decoded, %d refused\n", count, decoded, refused);
  return 0;
}
