// SPDX-License-Identifier: Apache-2.0
// Dynamic loss scaling as torch.cuda.amp.GradScaler does it: the loss is multiplied by `scale`
// before backward; gradients are unscaled and checked before the step; a step with inf/NaN
// gradients is skipped and the scale shrinks, and it grows after `growthInterval` clean steps.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace fasttune::train {

struct GradScalerOptions {
  double initScale = 65536.0;
  double growthFactor = 2.0;
  double backoffFactor = 0.5;
  int64_t growthInterval = 2000;
};

struct GradScalerState {
  double scale = 0;
  int64_t growthTracker = 0;  // clean steps since the last change of scale
  int64_t skippedSteps = 0;   // steps skipped for inf/NaN gradients since creation
};

class GradScaler {
 public:
  explicit GradScaler(const GradScalerOptions& options);

  double scale() const { return state_.scale; }
  const GradScalerState& state() const { return state_; }
  void set_state(const GradScalerState& state) { state_ = state; }

  // Divides the gradients by the scale in place; false when any of them is not finite.
  bool Unscale(const std::vector<torch::Tensor>& grads) const;

  // Adjusts the scale after a step that was taken (`finite`) or skipped.
  void Update(bool finite);

 private:
  GradScalerOptions options_;
  GradScalerState state_;
};

}  // namespace fasttune::train
