// SPDX-License-Identifier: Apache-2.0
// fastai's optimizers over parameter groups, with hyper-parameters given at every step:
//  Adam: p *= 1 - lr*wd (decoupled, first); m = mom*m + (1-mom)*g; v = sqrMom*v + (1-sqrMom)*g^2;
//        t += 1; p -= lr/(1 - mom^t) * m / (sqrt(v)/sqrt(1 - sqrMom^t) + eps)
//  SGD:  p *= 1 - lr*wd; b = mom*b + g; p -= lr*b   (mom 0 is plain SGD)
// Only parameters with a gradient are visited (frozen-from-the-start ones have none); a zeroed
// gradient counts, as in fastai, so a re-frozen weight keeps decaying.
// Weight decay skips parameters marked `decay = false` (BatchNorm and biases, unless wdBnBias).
// Zeroed gradients are stored as none (PyTorch's set_to_none) and only remembered as zero: the
// next backward then hands its gradient over instead of adding it to a buffer of zeros, and no
// pass clears them. Float32 CPU parameters take a one-pass update (train/fused_update.h).
#pragma once

#include <string>
#include <vector>

#include <torch/types.h>

#include "io/weights.h"

namespace fasttune::train {

enum class OptimizerKind { kAdam, kSgd };

OptimizerKind ParseOptimizerKind(const std::string& name);

// One group's hyper-parameters for one step.
struct Hypers {
  double lr = 0;
  double mom = 0;     // Adam's beta1 or SGD's momentum
  double sqrMom = 0;  // Adam's beta2
  double eps = 0;
  double wd = 0;
};

struct OptimizedParam {
  std::string name;
  torch::Tensor tensor;
  int group = 0;
  bool decay = true;
};

class Optimizer {
 public:
  // Per-parameter state: fastai's names grad_avg, sqr_avg and step.
  struct Slot {
    torch::Tensor gradAvg;
    torch::Tensor sqrAvg;
    int64_t step = 0;
  };

  Optimizer(OptimizerKind kind, std::vector<OptimizedParam> params, int groups);

  // One step with `hypers[group]` for each group; throws E_ARG when the count is wrong.
  void Step(const std::vector<Hypers>& hypers);

  // The gradient tensors that hold values (zeroed ones are none).
  std::vector<torch::Tensor> Gradients() const;

  // Parameter i's gradient: its tensor, zeros when it was zeroed, undefined when it has none.
  torch::Tensor Gradient(size_t i) const;
  // Whether parameter i has a gradient (zero or not); a step visits exactly these.
  bool HasGradient(size_t i) const;
  // Gives parameter i a zero gradient (true) or none (false).
  void SetZeroGradient(size_t i, bool zero);

  // Zeroes the gradients (fastai never sets them back to None; here they are zero by a flag).
  void ZeroGrad();

  // Forgets moments and step counts, as fastai does when the frozen set changes.
  void ClearState();

  std::vector<Slot> CopyState() const;
  void LoadState(const std::vector<Slot>& slots);

  // The state as named tensors (`<param>.grad_avg`, `.sqr_avg`, `.step`), for inspection.
  io::NamedTensors StateTensors() const;

 private:
  OptimizerKind kind_;
  std::vector<OptimizedParam> params_;
  std::vector<Slot> slots_;
  std::vector<char> zeroGrad_;  // per parameter: has a zero gradient, stored as none
  int groups_;
};

}  // namespace fasttune::train
