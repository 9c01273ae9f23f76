// SPDX-License-Identifier: Apache-2.0
#include "image/resample.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#define FASTTUNE_X86 1
#include <immintrin.h>
#else
#define FASTTUNE_X86 0
#endif

namespace fasttune::image {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

// For each output pixel, the first input pixel it reads, how many it reads, and their weights.
struct Taps {
  int ksize = 0;
  std::vector<int> first;
  std::vector<int> count;
  std::vector<int32_t> weights;  // out_size × ksize
};

double Triangle(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

Taps BilinearTaps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = std::max(scale, 1.0);
  const double support = filter_scale;  // the triangle's support is 1, widened when shrinking
  Taps t;
  t.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  t.first.resize(out_size);
  t.count.resize(out_size);
  t.weights.assign(static_cast<size_t>(out_size) * t.ksize, 0);
  std::vector<double> k(t.ksize);
  const double inverse = 1.0 / filter_scale;  // multiplied, not divided: Pillow's rounding
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const int lo = std::max(0, static_cast<int>(center - support + 0.5));
    const int hi = std::min(in_size, static_cast<int>(center + support + 0.5));
    const int n = hi - lo;
    double sum = 0.0;
    for (int x = 0; x < n; ++x) {
      k[x] = Triangle((x + lo - center + 0.5) * inverse);
      sum += k[x];
    }
    int32_t* w = &t.weights[static_cast<size_t>(xx) * t.ksize];
    for (int x = 0; x < n; ++x) {
      const double v = sum != 0.0 ? k[x] / sum : k[x];
      w[x] = static_cast<int32_t>(v * (1 << kPrecisionBits) + (v < 0 ? -0.5 : 0.5));
    }
    t.first[xx] = lo;
    t.count[xx] = n;
  }
  return t;
}

uint8_t Clip8(int32_t acc) {
  const int32_t v = acc >> kPrecisionBits;
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

// Every output reads exactly ksize inputs: windows that would pass the right edge start
// further left, their weights shifted to match (the extra weights are zero), so the per-pixel
// loop has a fixed length the compiler unrolls. Needs ksize <= in_size.
void FixLength(Taps& t, int in_size) {
  for (size_t xx = 0; xx < t.first.size(); ++xx) {
    const int shift = t.first[xx] + t.ksize - in_size;
    if (shift > 0) {
      int32_t* w = &t.weights[xx * t.ksize];
      std::copy_backward(w, w + t.ksize - shift, w + t.ksize);
      std::fill(w, w + shift, 0);
      t.first[xx] -= shift;
    }
    t.count[xx] = t.ksize;
  }
}

// Rows [row0, row0 + out.height) of `in` (3 or 4 bytes a pixel), resampled along x to
// out.width (3 bytes a pixel). K > 0 when every output reads K inputs (see FixLength).
template <int K>
void HorizontalScalar(const RgbImage& in, int row0, const Taps& t, RgbImage& out) {
  const int c = in.channels;
  for (int y = 0; y < out.height; ++y) {
    const uint8_t* src = in.row(row0 + y);
    uint8_t* dst = out.row(y);
    for (int xx = 0; xx < out.width; ++xx) {
      const int32_t* w = &t.weights[static_cast<size_t>(xx) * t.ksize];
      const uint8_t* p = src + t.first[xx] * c;
      const int n = K > 0 ? K : t.count[xx];
      int32_t r = 1 << (kPrecisionBits - 1), g = r, b = r;
      for (int x = 0; x < n; ++x, p += c) {
        r += p[0] * w[x];
        g += p[1] * w[x];
        b += p[2] * w[x];
      }
      dst[xx * 3] = Clip8(r);
      dst[xx * 3 + 1] = Clip8(g);
      dst[xx * 3 + 2] = Clip8(b);
    }
  }
}

#if FASTTUNE_X86
// The same sums for RGBX input, one pixel's four channels per SSE4.1 register: a third of the
// scalar loop's instructions. Identical results (same integer arithmetic, same clamp).
template <int K>
__attribute__((target("sse4.1"))) void HorizontalRgbx(const RgbImage& in, int row0, const Taps& t, RgbImage& out) {
  const __m128i bias = _mm_set1_epi32(1 << (kPrecisionBits - 1));
  for (int y = 0; y < out.height; ++y) {
    const uint8_t* src = in.row(row0 + y);
    uint8_t* dst = out.row(y);
    for (int xx = 0; xx < out.width; ++xx) {
      const int32_t* w = &t.weights[static_cast<size_t>(xx) * t.ksize];
      const uint8_t* p = src + t.first[xx] * 4;
      const int n = K > 0 ? K : t.count[xx];
      __m128i acc = bias;
      for (int x = 0; x < n; ++x) {
        int32_t pixel;
        std::memcpy(&pixel, p + 4 * x, 4);
        const __m128i v = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(pixel));
        acc = _mm_add_epi32(acc, _mm_mullo_epi32(v, _mm_set1_epi32(w[x])));
      }
      // Shift, then saturate to 0–255 (what Clip8 does) while packing to bytes.
      acc = _mm_srai_epi32(acc, kPrecisionBits);
      const __m128i packed = _mm_packus_epi16(_mm_packs_epi32(acc, acc), acc);
      const uint32_t rgbx = static_cast<uint32_t>(_mm_cvtsi128_si32(packed));
      std::memcpy(dst + xx * 3, &rgbx, 3);
    }
  }
}

bool HasSse41() {
  static const bool yes = __builtin_cpu_supports("sse4.1");
  return yes;
}
#endif

template <int K>
void HorizontalK(const RgbImage& in, int row0, const Taps& t, RgbImage& out) {
#if FASTTUNE_X86
  if (in.channels == 4 && HasSse41()) return HorizontalRgbx<K>(in, row0, t, out);
#endif
  HorizontalScalar<K>(in, row0, t, out);
}

void Horizontal(const RgbImage& in, int row0, Taps t, RgbImage& out) {
  if (t.ksize <= in.width) {
    FixLength(t, in.width);
    switch (t.ksize) {
      case 3: return HorizontalK<3>(in, row0, t, out);
      case 5: return HorizontalK<5>(in, row0, t, out);
      case 7: return HorizontalK<7>(in, row0, t, out);
      case 9: return HorizontalK<9>(in, row0, t, out);
      default: break;
    }
  }
  HorizontalK<0>(in, row0, t, out);
}

// Wider vector units for the vertical pass's plain loops where the CPU has them (SSE2, the
// x86-64 baseline, has no 32-bit multiply).
#if FASTTUNE_X86 && defined(__linux__)
#define FASTTUNE_VECTOR_CLONES __attribute__((target_clones("avx2", "sse4.1", "default")))
#else
#define FASTTUNE_VECTOR_CLONES
#endif

// `in` resampled along y; tap rows are relative to `row0`.
FASTTUNE_VECTOR_CLONES void Vertical(const RgbImage& in, int row0, const Taps& t, RgbImage& out) {
  const int values = out.width * 3;
  std::vector<int32_t> acc(values);
  for (int yy = 0; yy < out.height; ++yy) {
    std::fill(acc.begin(), acc.end(), 1 << (kPrecisionBits - 1));
    const int32_t* w = &t.weights[static_cast<size_t>(yy) * t.ksize];
    for (int y = 0; y < t.count[yy]; ++y) {
      const uint8_t* src = in.row(t.first[yy] - row0 + y);
      const int32_t wy = w[y];
      for (int i = 0; i < values; ++i) acc[i] += src[i] * wy;
    }
    uint8_t* dst = out.row(yy);
    for (int i = 0; i < values; ++i) dst[i] = Clip8(acc[i]);
  }
}

}  // namespace

RgbImage ResampleBilinear(RgbImage in, int width, int height) {
  const Taps vertical = BilinearTaps(in.height, height);
  if (width == in.width) {
    in = PackRgb(std::move(in));
    RgbImage out(width, height);
    Vertical(in, 0, vertical, out);
    return out;
  }
  // Only the rows the vertical pass reads go through the horizontal one.
  const int row0 = vertical.first.front();
  const int row1 = vertical.first.back() + vertical.count.back();
  RgbImage wide(width, row1 - row0);
  Horizontal(in, row0, BilinearTaps(in.width, width), wide);
  if (height == in.height) return wide;
  RgbImage out(width, height);
  Vertical(wide, row0, vertical, out);
  return out;
}

}  // namespace fasttune::image
