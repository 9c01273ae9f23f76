// SPDX-License-Identifier: Apache-2.0
// One-pass optimizer updates for float32 CPU tensors. The multi-tensor (_foreach) ops of the
// generic path read and write every parameter-sized buffer once per operation (about ten passes
// for Adam, plus temporaries); these kernels read p, g, m, v once and write p, m, v once, with the
// same operations in the same order as torch.optim.AdamW / SGD, element by element.
#pragma once

#include <torch/types.h>

namespace fasttune::train {

// Adam with decoupled weight decay, fastai's order:
//   p *= decay; m = m*mom + g*(1-mom); v = v*sqrMom + (1-sqrMom)*g*g;
//   p += -stepSize * m / (sqrt(v) / debias2Sqrt + eps)
struct AdamScalars {
  double decay = 1;        // 1 - lr*wd (1: no weight decay)
  double mom = 0;          // beta1
  double sqrMom = 0;       // beta2
  double stepSize = 0;     // lr / (1 - beta1^t)
  double debias2Sqrt = 1;  // sqrt(1 - beta2^t)
  double eps = 0;
};

// SGD with momentum and decoupled weight decay: p *= decay; b = b*mom + g; p += -lr * b.
struct SgdScalars {
  double decay = 1;
  double mom = 0;
  double lr = 0;
};

// True when the tensors can take the one-pass kernels: float32 on the CPU, dense, sharing one
// layout (strides), same size. `grad` may be undefined (a zero gradient).
bool CanFuse(const torch::Tensor& param, const torch::Tensor& grad, const torch::Tensor& gradAvg,
             const torch::Tensor& sqrAvg);

// In place on param, gradAvg, sqrAvg; an undefined grad counts as zeros. Call under NoGradGuard.
void FusedAdamUpdate(torch::Tensor& param, const torch::Tensor& grad, torch::Tensor& gradAvg, torch::Tensor& sqrAvg,
                     const AdamScalars& s);
void FusedSgdUpdate(torch::Tensor& param, const torch::Tensor& grad, torch::Tensor& gradAvg, const SgdScalars& s);

}  // namespace fasttune::train
