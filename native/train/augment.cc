// SPDX-License-Identifier: Apache-2.0
#include "train/augment.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/error.h"

namespace fasttune::train {

namespace {

std::string Shape(c10::IntArrayRef sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}

void RequireShape(const torch::Tensor& t, const std::vector<int64_t>& shape, const char* what) {
  if (t.defined() && t.sizes() != c10::IntArrayRef(shape)) {
    throw CodedError(
        kArg, std::string("augment: ") + what + " must have shape " + Shape(shape) + ", got " + Shape(t.sizes()));
  }
}

void CheckInputs(const torch::Tensor& images, const AugmentParams& p) {
  if (!images.defined() || images.dim() != 4 || !images.is_floating_point()) {
    throw CodedError(kArg, "augment: images must be a float tensor [n, c, h, w]");
  }
  if (p.height < 1 || p.width < 1) throw CodedError(kArg, "augment: the output size must be positive");
  const int64_t n = images.size(0);
  RequireShape(p.affine, {n, 3, 3}, "affine");
  RequireShape(p.warp, {n, 8}, "warp");
  RequireShape(p.brightness, {n}, "brightness");
  RequireShape(p.contrast, {n}, "contrast");
}

// The perspective warp on grid coordinates [n, h, w, 2]: (x, y, 1) → H·(x, y, 1), divided by its
// last entry. Like fastai, the grid stays as it is when any point would go to infinity.
torch::Tensor ApplyPerspective(const torch::Tensor& grid, const torch::Tensor& coeffs8) {
  const int64_t n = grid.size(0);
  const torch::Tensor h = torch::cat({coeffs8, torch::ones({n, 1}, coeffs8.options())}, 1).view({n, 3, 3});
  const torch::Tensor points = grid.view({n, -1, 2});
  const torch::Tensor mapped = torch::matmul(points, h.narrow(2, 0, 2).transpose(1, 2)) + h.select(2, 2).unsqueeze(1);
  const torch::Tensor w = mapped.select(2, 2);
  if (w.eq(0).any().item<bool>()) return grid;
  return (mapped / w.unsqueeze(-1)).narrow(2, 0, 2).view(grid.sizes());
}

// The sampling grid of the output in the input's normalized coordinates, [n, height, width, 2].
torch::Tensor SamplingGrid(const torch::Tensor& images, const AugmentParams& p) {
  const int64_t n = images.size(0);
  const auto options = images.options();
  const torch::Tensor theta = p.affine.defined()
                                  ? p.affine.to(options).narrow(1, 0, 2)
                                  : torch::eye(3, options).narrow(0, 0, 2).unsqueeze(0).expand({n, 2, 3});
  torch::Tensor grid = torch::affine_grid_generator(theta, {n, images.size(1), p.height, p.width}, p.alignCorners);
  if (p.warp.defined()) grid = ApplyPerspective(grid, p.warp.to(options));
  return grid;
}

// fastai shrinks by area first when the output is much smaller than the input and the grid does
// not zoom in as much: bilinear taps alone would skip pixels and alias.
torch::Tensor PreShrink(const torch::Tensor& images, const torch::Tensor& grid, int64_t height, int64_t width) {
  const double span = (grid.max() - grid.min()).item<double>();
  const double zoom = span > 0 ? 1.0 / span * 2 : std::numeric_limits<double>::infinity();
  // fastai compares the input height with the grid's width dimension here (grid.shape[-2]); we
  // use each axis against its own output size, which agrees for square outputs.
  const double shrink = std::min(static_cast<double>(images.size(2)) / static_cast<double>(height),
                                 static_cast<double>(images.size(3)) / static_cast<double>(width)) /
                        2;
  if (!(shrink > 1 && shrink > zoom)) return images;
  // interpolate(scale_factor=1/shrink, mode='area', recompute_scale_factor=True) is an adaptive
  // average pool to floor(size / shrink).
  const double scale = 1.0 / shrink;
  const auto h = static_cast<int64_t>(std::floor(static_cast<double>(images.size(2)) * scale));
  const auto w = static_cast<int64_t>(std::floor(static_cast<double>(images.size(3)) * scale));
  return torch::adaptive_avg_pool2d(images, {h, w});
}

// x → sigmoid((logit(x) + brightness) · contrast), fastai's logit clamping x to [1e-7, 1 - 1e-7].
torch::Tensor Lighting(const torch::Tensor& x, const AugmentParams& p) {
  const int64_t n = x.size(0);
  const auto options = x.options();
  torch::Tensor logits = x.clamp(1e-7, 1 - 1e-7).reciprocal().sub(1).log().neg();
  if (p.brightness.defined()) logits = logits + p.brightness.to(options).view({n, 1, 1, 1});
  if (p.contrast.defined()) logits = logits * p.contrast.to(options).view({n, 1, 1, 1});
  return torch::sigmoid(logits);
}

}  // namespace

torch::Tensor Augment(const torch::Tensor& images, const AugmentParams& params) {
  CheckInputs(images, params);
  torch::NoGradGuard noGrad;
  torch::Tensor x = images;
  const bool resize = params.height != images.size(2) || params.width != images.size(3);
  if (params.affine.defined() || params.warp.defined() || resize) {
    const torch::Tensor grid = SamplingGrid(images, params);
    const torch::Tensor source =
        params.mode == Resample::kBilinear ? PreShrink(images, grid, params.height, params.width) : images;
    x = torch::grid_sampler(source, grid, static_cast<int64_t>(params.mode), static_cast<int64_t>(params.padding),
                            params.alignCorners);
  }
  if (params.brightness.defined() || params.contrast.defined()) x = Lighting(x, params);
  return x;
}

}  // namespace fasttune::train
