// SPDX-License-Identifier: Apache-2.0
// Weight initialisers that draw from a given generator, so a model is reproducible from its seed
// without touching LibTorch's global random state (shared by every model and thread).
#pragma once

#include <ATen/core/Generator.h>
#include <torch/types.h>

namespace fasttune::models {

// Fan-in and fan-out as PyTorch computes them for Linear and Conv weights.
int64_t FanIn(const torch::Tensor& weight);
int64_t FanOut(const torch::Tensor& weight);

// kaiming_normal_ with a = 0 and the ReLU gain: N(0, 2 / fan).
void KaimingNormal(torch::Tensor& weight, int64_t fan, at::Generator& generator);

// PyTorch's default Linear init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
void LinearDefault(torch::Tensor& weight, torch::Tensor& bias, at::Generator& generator);

// trunc_normal_ as PyTorch draws it: uniform over the cut's CDF range, erfinv, scaled by `std`,
// clamped to [-2, 2] (absolute bounds, PyTorch's defaults).
void TruncatedNormal(torch::Tensor& weight, double std, at::Generator& generator);

}  // namespace fasttune::models
