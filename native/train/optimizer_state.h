// SPDX-License-Identifier: Apache-2.0
// Optimizer state from named tensors, the inverse of Optimizer::StateTensors(): what resuming a
// saved training run needs. Every problem is collected and reported at once.
#pragma once

#include <string>
#include <vector>

#include <torch/types.h>

#include "io/weights.h"
#include "train/optimizer.h"

namespace fasttune::train {

struct OptimizedTensor {
  std::string name;
  torch::Tensor tensor;  // the parameter: slots are allocated like it (device, dtype, layout)
};

// Slots in the order of `params` from tensors named `<param>.grad_avg`, `.sqr_avg` (Adam) and
// `.step` (Adam, an integer scalar). A parameter without tensors gets an empty slot. Throws
// CodedError(E_WEIGHTS) listing unknown names, missing pieces, wrong shapes and bad step counts.
std::vector<Optimizer::Slot> SlotsFromTensors(OptimizerKind kind, const std::vector<OptimizedTensor>& params,
                                              const io::NamedTensors& tensors);

}  // namespace fasttune::train
