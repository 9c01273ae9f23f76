// SPDX-License-Identifier: Apache-2.0
#include "train/loss.h"

#include <torch/nn/functional/loss.h>

#include "core/error.h"

namespace fasttune::train {

namespace F = torch::nn::functional;

LossKind ParseLossKind(const std::string& name) {
  if (name == "crossEntropy") return LossKind::kCrossEntropy;
  if (name == "focal") return LossKind::kFocal;
  if (name == "bceWithLogits") return LossKind::kBceWithLogits;
  if (name == "mse") return LossKind::kMse;
  if (name == "l1") return LossKind::kL1;
  throw CodedError(kArg, "loss must be 'crossEntropy', 'focal', 'bceWithLogits', 'mse' or 'l1', got '" + name + "'");
}

bool TakesClassIndices(LossKind kind) { return kind == LossKind::kCrossEntropy || kind == LossKind::kFocal; }

void CheckLossSpec(const LossSpec& spec, int64_t nOut) {
  if (!(spec.labelSmoothing >= 0 && spec.labelSmoothing < 1))
    throw CodedError(kArg, "labelSmoothing must lie in [0, 1)");
  if (spec.labelSmoothing != 0 && spec.kind != LossKind::kCrossEntropy)
    throw CodedError(kArg, "labelSmoothing applies to cross-entropy only");
  if (!(spec.gamma >= 0)) throw CodedError(kArg, "gamma must be at least 0");
  if (!spec.weight.empty()) {
    if (spec.kind == LossKind::kMse || spec.kind == LossKind::kL1)
      throw CodedError(kArg, "class weights apply to classification losses only");
    if (static_cast<int64_t>(spec.weight.size()) != nOut) {
      throw CodedError(kArg, "expected one class weight per output (" + std::to_string(nOut) + "), got " +
                                 std::to_string(spec.weight.size()));
    }
    for (double w : spec.weight) {
      if (!(w >= 0)) throw CodedError(kArg, "class weights must be finite numbers ≥ 0");
    }
  }
}

torch::Tensor ItemLosses(const LossSpec& spec, const torch::Tensor& weight, const torch::Tensor& outputs,
                         const torch::Tensor& targets) {
  switch (spec.kind) {
    case LossKind::kCrossEntropy: {
      auto options = F::CrossEntropyFuncOptions().reduction(torch::kNone).label_smoothing(spec.labelSmoothing);
      if (weight.defined()) options.weight(weight);
      return F::cross_entropy(outputs, targets, options);
    }
    case LossKind::kFocal: {
      // fastai's FocalLoss: (1 − p_t)^γ · CE with p_t = exp(−CE), CE weighted per class.
      auto options = F::CrossEntropyFuncOptions().reduction(torch::kNone);
      if (weight.defined()) options.weight(weight);
      const torch::Tensor ce = F::cross_entropy(outputs, targets, options);
      return (1 - torch::exp(-ce)).pow(spec.gamma) * ce;
    }
    case LossKind::kBceWithLogits: {
      auto options = F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kNone);
      if (weight.defined()) options.weight(weight);
      return F::binary_cross_entropy_with_logits(outputs, targets, options).mean(1);
    }
    case LossKind::kMse: return (outputs - targets).pow(2).mean(1);
    case LossKind::kL1: return (outputs - targets).abs().mean(1);
  }
  throw CodedError(kArg, "unknown loss");
}

torch::Tensor BatchLoss(const LossSpec& spec, const torch::Tensor& weight, const torch::Tensor& outputs,
                        const torch::Tensor& targets) {
  if (spec.kind == LossKind::kCrossEntropy) {
    // PyTorch's own mean: with class weights it divides by the weights of the targets.
    auto options = F::CrossEntropyFuncOptions().label_smoothing(spec.labelSmoothing);
    if (weight.defined()) options.weight(weight);
    return F::cross_entropy(outputs, targets, options);
  }
  return ItemLosses(spec, weight, outputs, targets).mean();
}

}  // namespace fasttune::train
