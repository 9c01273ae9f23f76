// SPDX-License-Identifier: Apache-2.0
// A Sequential with a plain Tensor -> Tensor forward. LibTorch cannot hold its own Sequential
// (whose forward is a template) inside another Sequential; ResNet stages, fastai's body and head
// nest exactly like that. Names and behaviour are Sequential's: children "0", "1", ...
#pragma once

#include <torch/nn/modules/container/sequential.h>

namespace fasttune::models {

class ChainImpl : public torch::nn::SequentialImpl {
 public:
  using SequentialImpl::SequentialImpl;
  torch::Tensor forward(torch::Tensor x) { return SequentialImpl::forward(std::move(x)); }
};
TORCH_MODULE(Chain);

}  // namespace fasttune::models
