// SPDX-License-Identifier: Apache-2.0
#include "models/max_pool.h"

#include <algorithm>
#include <vector>

#include <ATen/Parallel.h>

namespace fasttune::models {

namespace {

// PyTorch's comparison: NaN wins, so it propagates as in max_pool2d.
inline float Max(float m, float v) { return (v > m || v != v) ? v : m; }

int64_t OutSize(int64_t in, const PoolShape& s) { return (in + 2 * s.padding - s.kernel) / s.stride + 1; }

// Window [start, end) along one axis, clipped to the input (padding counts as -inf).
inline void Window(int64_t o, int64_t in, const PoolShape& s, int64_t& start, int64_t& end) {
  start = std::max<int64_t>(o * s.stride - s.padding, 0);
  end = std::min<int64_t>(o * s.stride - s.padding + s.kernel, in);
}

// [n, c, h, w] contiguous: per plane and output row, the column maxima of the window's rows
// (contiguous, vectorised), then the maxima of each window across that row.
void PoolPlanes(const float* in, float* out, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow,
                const PoolShape& s) {
  at::parallel_for(0, planes, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> rowMax(static_cast<size_t>(w));
    for (int64_t p = begin; p < end; ++p) {
      const float* plane = in + p * h * w;
      float* dst = out + p * oh * ow;
      for (int64_t oy = 0; oy < oh; ++oy) {
        int64_t y0, y1;
        Window(oy, h, s, y0, y1);
        std::fill(rowMax.begin(), rowMax.end(), 0.0f);  // the ReLU floor
        for (int64_t y = y0; y < y1; ++y) {
          const float* row = plane + y * w;
          for (int64_t x = 0; x < w; ++x) rowMax[x] = Max(rowMax[x], row[x]);
        }
        for (int64_t ox = 0; ox < ow; ++ox) {
          int64_t x0, x1;
          Window(ox, w, s, x0, x1);
          float m = 0.0f;
          for (int64_t x = x0; x < x1; ++x) m = Max(m, rowMax[x]);
          dst[oy * ow + ox] = m;
        }
      }
    }
  });
}

// [n, h, w, c] in memory (channels-last): every window is a few rows of c contiguous values.
void PoolChannelsLast(const float* in, float* out, int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow,
                      const PoolShape& s) {
  at::parallel_for(0, n * oh, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t b = r / oh, oy = r % oh;
      int64_t y0, y1;
      Window(oy, h, s, y0, y1);
      for (int64_t ox = 0; ox < ow; ++ox) {
        int64_t x0, x1;
        Window(ox, w, s, x0, x1);
        float* dst = out + ((b * oh + oy) * ow + ox) * c;
        std::fill(dst, dst + c, 0.0f);
        for (int64_t y = y0; y < y1; ++y) {
          for (int64_t x = x0; x < x1; ++x) {
            const float* src = in + ((b * h + y) * w + x) * c;
            for (int64_t k = 0; k < c; ++k) dst[k] = Max(dst[k], src[k]);
          }
        }
      }
    }
  });
}

}  // namespace

torch::Tensor ReluMaxPool2d(const torch::Tensor& x, const PoolShape& s) {
  const bool cpuFloat = x.device().is_cpu() && x.scalar_type() == torch::kFloat32 && x.dim() == 4;
  const bool contiguous = cpuFloat && x.is_contiguous();
  const bool channelsLast = cpuFloat && !contiguous && x.is_contiguous(torch::MemoryFormat::ChannelsLast);
  const int64_t oh = x.dim() == 4 ? OutSize(x.size(2), s) : 0, ow = x.dim() == 4 ? OutSize(x.size(3), s) : 0;
  if ((!contiguous && !channelsLast) || oh < 1 || ow < 1 || s.padding * 2 > s.kernel) {
    return torch::max_pool2d(torch::relu(x), s.kernel, s.stride, s.padding);
  }
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const auto format = contiguous ? torch::MemoryFormat::Contiguous : torch::MemoryFormat::ChannelsLast;
  torch::Tensor out = torch::empty({n, c, oh, ow}, x.options().memory_format(format));
  if (contiguous) {
    PoolPlanes(x.data_ptr<float>(), out.data_ptr<float>(), n * c, h, w, oh, ow, s);
  } else {
    PoolChannelsLast(x.data_ptr<float>(), out.data_ptr<float>(), n, c, h, w, oh, ow, s);
  }
  return out;
}

}  // namespace fasttune::models
