// SPDX-License-Identifier: Apache-2.0
// fastai's optimizers over parameter groups, with hyper-parameters given at every step:
//  Adam: p *= 1 - lr*wd (decoupled, first); m = mom*m + (1-mom)*g; v = sqrMom*v + (1-sqrMom)*g^2;
//        t += 1; p -= lr/(1 - mom^t) * m / (sqrt(v)/sqrt(1 - sqrMom^t) + eps)
//  SGD:  p *= 1 - lr*wd; b = mom*b + g; p -= lr*b   (mom 0 is plain SGD)
// Only parameters with a gradient tensor are visited (frozen-from-the-start ones have none).
// Weight decay skips parameters marked `decay = false` (BatchNorm and biases, unless wdBnBias).
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

  // Gradients of the parameters a step would visit.
  std::vector<torch::Tensor> Gradients() const;

  // Zeroes gradients in place (fastai never sets them back to None).
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
  int groups_;
};

}  // namespace fasttune::train
