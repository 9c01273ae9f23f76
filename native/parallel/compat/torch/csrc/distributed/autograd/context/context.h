// SPDX-License-Identifier: Apache-2.0
// Debian's libtorch-dev ships c10d's headers but not distributed autograd's, which
// c10d/reducer.hpp includes for two names only. These are those names as LibTorch defines them
// (torch/csrc/distributed/autograd/context/context.h): a callback type, and a shared_ptr that
// the Reducer holds (its layout does not depend on the pointee). fasttune never makes a context.
#pragma once

#include <functional>
#include <memory>

#include <ATen/core/Tensor.h>

namespace torch::distributed::autograd {

class DistAutogradContext {
 public:
  using GradCallback = std::function<bool(at::Tensor&)>;
};

using ContextPtr = std::shared_ptr<DistAutogradContext>;

}  // namespace torch::distributed::autograd
