// SPDX-License-Identifier: Apache-2.0
#include "train/fused_update.h"

#include <cmath>

#include <ATen/Parallel.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define FASTTUNE_X86_KERNELS 1
#else
#define FASTTUNE_X86_KERNELS 0
#endif

namespace fasttune::train {

namespace {

// Elements per task: a few hundred KiB per buffer, so small tensors stay on one thread.
constexpr int64_t kGrain = 1 << 15;

// The scalars as the float32 kernels of PyTorch see them (each rounded to float once).
struct AdamF {
  float decay, mom, oneMinusMom, sqrMom, oneMinusSqrMom, negStep, debias2Sqrt, eps;
};

AdamF ToFloat(const AdamScalars& s) {
  return {static_cast<float>(s.decay),       static_cast<float>(s.mom),          static_cast<float>(1.0 - s.mom),
          static_cast<float>(s.sqrMom),      static_cast<float>(1.0 - s.sqrMom), static_cast<float>(-s.stepSize),
          static_cast<float>(s.debias2Sqrt), static_cast<float>(s.eps)};
}

// Portable loops: AdamW's operations in its order (on CPUs without AVX2 PyTorch's own kernels
// round differently anyway).
void AdamRangeScalar(float* p, const float* g, float* m, float* v, int64_t begin, int64_t end, const AdamF& s) {
  for (int64_t i = begin; i < end; ++i) {
    const float gi = g ? g[i] : 0.0f;
    p[i] *= s.decay;
    m[i] = m[i] * s.mom + gi * s.oneMinusMom;
    v[i] = v[i] * s.sqrMom + s.oneMinusSqrMom * gi * gi;
    p[i] += s.negStep * m[i] / (std::sqrt(v[i]) / s.debias2Sqrt + s.eps);
  }
}

void SgdRangeScalar(float* p, const float* g, float* b, int64_t begin, int64_t end, float decay, float mom,
                    float negLr) {
  for (int64_t i = begin; i < end; ++i) {
    p[i] *= decay;
    b[i] = b[i] * mom + (g ? g[i] : 0.0f);
    p[i] += negLr * b[i];
  }
}

#if FASTTUNE_X86_KERNELS
// Compilers contract a*b + c into one fused multiply-add across intrinsics; PyTorch rounds the
// product first wherever it comes from another operation. This keeps a value as it was rounded.
template <typename T>
__attribute__((always_inline)) inline T Rounded(T x) {
  asm("" : "+x"(x));
  return x;
}

__attribute__((target("avx2,fma"))) void AdamRangeAvx2(float* p, const float* g, float* m, float* v, int64_t begin,
                                                       int64_t end, const AdamF& s) {
  const __m256 decay = _mm256_set1_ps(s.decay), mom = _mm256_set1_ps(s.mom), omm = _mm256_set1_ps(s.oneMinusMom);
  const __m256 sqrMom = _mm256_set1_ps(s.sqrMom), osm = _mm256_set1_ps(s.oneMinusSqrMom);
  const __m256 negStep = _mm256_set1_ps(s.negStep), debias2 = _mm256_set1_ps(s.debias2Sqrt),
               eps = _mm256_set1_ps(s.eps);
  const __m256 zero = _mm256_setzero_ps();
  int64_t i = begin;
  // Each line is one of AdamW's tensor operations; PyTorch's kernels fuse a*b + c only inside one
  // (add_ with alpha, addcmul_).
  for (; i + 8 <= end; i += 8) {
    const __m256 gv = g ? _mm256_loadu_ps(g + i) : zero;
    const __m256 pv = Rounded(_mm256_mul_ps(_mm256_loadu_ps(p + i), decay));
    const __m256 mv = _mm256_fmadd_ps(gv, omm, Rounded(_mm256_mul_ps(_mm256_loadu_ps(m + i), mom)));
    const __m256 vv =
        _mm256_fmadd_ps(_mm256_mul_ps(osm, gv), gv, Rounded(_mm256_mul_ps(_mm256_loadu_ps(v + i), sqrMom)));
    const __m256 denom = Rounded(_mm256_add_ps(Rounded(_mm256_div_ps(_mm256_sqrt_ps(vv), debias2)), eps));
    _mm256_storeu_ps(p + i, _mm256_add_ps(pv, Rounded(_mm256_div_ps(_mm256_mul_ps(negStep, mv), denom))));
    _mm256_storeu_ps(m + i, mv);
    _mm256_storeu_ps(v + i, vv);
  }
  for (; i < end; ++i) {
    const float gi = g ? g[i] : 0.0f;
    const float pi = Rounded(p[i] * s.decay);
    m[i] = std::fma(gi, s.oneMinusMom, Rounded(m[i] * s.mom));
    v[i] = std::fma(s.oneMinusSqrMom * gi, gi, Rounded(v[i] * s.sqrMom));
    const float denom = Rounded(Rounded(std::sqrt(v[i]) / s.debias2Sqrt) + s.eps);
    p[i] = pi + Rounded(s.negStep * m[i] / denom);
  }
}

__attribute__((target("avx2,fma"))) void SgdRangeAvx2(float* p, const float* g, float* b, int64_t begin, int64_t end,
                                                      float decay, float mom, float negLr) {
  const __m256 decayV = _mm256_set1_ps(decay), momV = _mm256_set1_ps(mom), negLrV = _mm256_set1_ps(negLr);
  const __m256 zero = _mm256_setzero_ps();
  int64_t i = begin;
  for (; i + 8 <= end; i += 8) {
    const __m256 gv = g ? _mm256_loadu_ps(g + i) : zero;
    const __m256 bv = _mm256_add_ps(Rounded(_mm256_mul_ps(_mm256_loadu_ps(b + i), momV)), gv);
    _mm256_storeu_ps(p + i, _mm256_fmadd_ps(bv, negLrV, Rounded(_mm256_mul_ps(_mm256_loadu_ps(p + i), decayV))));
    _mm256_storeu_ps(b + i, bv);
  }
  for (; i < end; ++i) {
    b[i] = Rounded(b[i] * mom) + (g ? g[i] : 0.0f);
    p[i] = std::fma(b[i], negLr, Rounded(p[i] * decay));
  }
}

bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}
#endif

bool SameLayout(const torch::Tensor& a, const torch::Tensor& b) {
  return b.device() == a.device() && b.scalar_type() == a.scalar_type() && b.sizes() == a.sizes() &&
         b.strides() == a.strides();
}

float* Data(torch::Tensor& t) { return t.data_ptr<float>(); }
const float* Data(const torch::Tensor& t) { return t.defined() ? t.data_ptr<float>() : nullptr; }

}  // namespace

bool CanFuse(const torch::Tensor& param, const torch::Tensor& grad, const torch::Tensor& gradAvg,
             const torch::Tensor& sqrAvg) {
  if (!param.device().is_cpu() || param.scalar_type() != torch::kFloat32 || !param.is_non_overlapping_and_dense()) {
    return false;
  }
  if (grad.defined() && !SameLayout(param, grad)) return false;
  if (!SameLayout(param, gradAvg)) return false;
  return !sqrAvg.defined() || SameLayout(param, sqrAvg);
}

void FusedAdamUpdate(torch::Tensor& param, const torch::Tensor& grad, torch::Tensor& gradAvg, torch::Tensor& sqrAvg,
                     const AdamScalars& scalars) {
  const AdamF s = ToFloat(scalars);
  float* p = Data(param);
  const float* g = Data(grad);
  float* m = Data(gradAvg);
  float* v = Data(sqrAvg);
  at::parallel_for(0, param.numel(), kGrain, [&](int64_t begin, int64_t end) {
#if FASTTUNE_X86_KERNELS
    if (HasAvx2()) return AdamRangeAvx2(p, g, m, v, begin, end, s);
#endif
    AdamRangeScalar(p, g, m, v, begin, end, s);
  });
}

void FusedSgdUpdate(torch::Tensor& param, const torch::Tensor& grad, torch::Tensor& gradAvg,
                    const SgdScalars& scalars) {
  const float decay = static_cast<float>(scalars.decay), mom = static_cast<float>(scalars.mom);
  const float negLr = static_cast<float>(-scalars.lr);
  float* p = Data(param);
  const float* g = Data(grad);
  float* b = Data(gradAvg);
  at::parallel_for(0, param.numel(), kGrain, [&](int64_t begin, int64_t end) {
#if FASTTUNE_X86_KERNELS
    if (HasAvx2()) return SgdRangeAvx2(p, g, b, begin, end, decay, mom, negLr);
#endif
    SgdRangeScalar(p, g, b, begin, end, decay, mom, negLr);
  });
}

}  // namespace fasttune::train
