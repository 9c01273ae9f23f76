// SPDX-License-Identifier: Apache-2.0
// The losses a step computes, as fastai's *LossFlat classes define them: cross-entropy (label
// smoothing, class weights) and focal loss on class indices; BCE with logits on multi-hot targets;
// MSE and L1 on values. Each is a mean over the batch, so its gradient is autograd's.
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>

namespace fasttune::train {

enum class LossKind { kCrossEntropy, kFocal, kBceWithLogits, kMse, kL1 };

LossKind ParseLossKind(const std::string& name);

struct LossSpec {
  LossKind kind = LossKind::kCrossEntropy;
  double labelSmoothing = 0;   // cross-entropy only
  std::vector<double> weight;  // per class (cross-entropy, focal, BCE); empty: none
  double gamma = 2;            // focal loss
};

// Whether the loss reads class indices (one per item) rather than n x k float targets.
bool TakesClassIndices(LossKind kind);

// Refuses a spec that cannot apply to `nOut` outputs (weights of another length, ε or γ out of range).
void CheckLossSpec(const LossSpec& spec, int64_t nOut);

// Per-item losses (n) of float32 outputs (n x k) against class indices (n, int64) or float targets
// (n x k); the mean of these is the batch loss (MSE and L1 average over the k values of an item).
// `weight` is the spec's weights as a tensor on the outputs' device (undefined: none).
torch::Tensor ItemLosses(const LossSpec& spec, const torch::Tensor& weight, const torch::Tensor& outputs,
                         const torch::Tensor& targets);

// The batch loss: fastai's reduction 'mean' (weighted cross-entropy divides by the targets' weights, as PyTorch does).
torch::Tensor BatchLoss(const LossSpec& spec, const torch::Tensor& weight, const torch::Tensor& outputs,
                        const torch::Tensor& targets);

}  // namespace fasttune::train
