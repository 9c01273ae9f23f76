// SPDX-License-Identifier: Apache-2.0
// A trainable fastai vision model: network, parameter groups and freezing, optimizer, mixed
// precision, preprocessing and weights I/O. Every method is one unit of native work; the bindings
// run the long ones off the event loop, one at a time per model.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>
#include <c10/core/Device.h>

#include "core/live_objects.h"
#include "io/weights.h"
#include "models/folded_net.h"
#include "models/vision_net.h"
#include "models/weights_map.h"
#include "train/augment.h"
#include "train/autocast.h"
#include "train/grad_scaler.h"
#include "train/loss.h"
#include "train/mix.h"
#include "train/optimizer.h"
#include "train/preprocess.h"

namespace fasttune::dist {
class DataParallel;
class ProcessGroup;
}  // namespace fasttune::dist

namespace fasttune::train {

struct VisionModelOptions {
  std::string arch = "resnet34";
  int64_t nOut = 0;
  std::string device = "auto";
  bool trainBn = true;    // norm layer parameters stay trainable in frozen groups
  bool wdBnBias = false;  // weight decay on norm layer and bias parameters too
  OptimizerKind optimizer = OptimizerKind::kAdam;
  Normalization normalization;
  double labelSmoothing = 0;
  double ps = 0.5;                                     // head dropout: ps/2, then ps
  std::optional<std::vector<models::HeadLayer>> head;  // none: fastai's default head (from ps)
  std::optional<int64_t> cut;                          // fastai's cut; none: the architecture's
  std::optional<std::array<double, 2>> yRange;         // fastai's SigmoidRange(lo, hi) after the head
  Precision precision = Precision::kFp32;
  std::optional<GradScalerOptions> gradScaler;  // dynamic loss scaling (default: on for fp16)
  bool channelsLast = false;
  bool foldBn = true;  // fp32 eval and predict with BatchNorm folded in, where the arch allows (models/folded_net.h)
  uint64_t seed = 0;   // weights init and dropout masks
};

// Pixels (uint8 n x h x w x 3, CPU), class indices (n, CPU, any integer type) or float targets
// (n x nOut: multi-hot or values, for the losses that read them), the batch augmentation drawn
// for them (none: the pixels go in as they are) and, for training steps, MixUp or CutMix draws.
struct Batch {
  torch::Tensor images;
  torch::Tensor labels;
  torch::Tensor targets;
  std::optional<AugmentParams> augment;
  std::optional<MixParams> mix;
};

// What the Learner chooses once (see ModelSettings in src/model/types.ts).
struct ModelSettings {
  LossSpec loss;
  OptimizerKind optimizer = OptimizerKind::kAdam;
  bool wdBnBias = false;
  bool trainBn = true;
};

// How one training step treats its gradients.
struct StepOptions {
  double lossFactor = 1;  // the loss is multiplied by this before backward (gradient accumulation)
  double clipNorm = 0;    // > 0: the global gradient norm is clipped to this before the step
};

struct StepOutput {
  double loss = 0;
  torch::Tensor logits;  // float32, CPU, n x nOut (train steps: only when asked for)
};

struct ParamInfo {
  std::string name;
  std::vector<int64_t> shape;
  int group = 0;
  bool isNorm = false;
  bool noDecay = false;
  bool trainable = false;
};

// A gradient by parameter name; undefined when the parameter has none.
struct NamedGradient {
  std::string name;
  torch::Tensor grad;
};

class VisionModel {
 public:
  explicit VisionModel(const VisionModelOptions& options);
  ~VisionModel();
  VisionModel(const VisionModel&) = delete;
  VisionModel& operator=(const VisionModel&) = delete;

  int64_t nOut() const { return net_.nOut; }
  int nGroups() const { return net_.nGroups; }
  std::string device() const { return device_.str(); }
  Precision precision() const { return precision_; }

  std::vector<ParamInfo> Params() const;

  // Groups below `n` frozen (n < 0 counts from the end); BatchNorm stays trainable with trainBn.
  // Clears the optimizer state.
  void FreezeTo(int64_t n);

  // Loss, update rule, weight decay on BatchNorm/bias and trainBn; rebuilds the optimizer (its
  // state and any snapshot are dropped) and re-applies the current freeze.
  void Configure(const ModelSettings& settings);

  // Forward, loss, backward, optimizer step (skipped when scaled gradients overflow), zeroed
  // gradients. `keepLogits` returns the train-mode logits too (for training metrics).
  StepOutput TrainStep(const Batch& batch, const std::vector<Hypers>& hypers, bool keepLogits,
                       const StepOptions& step = {});
  // Forward, loss and backward only: gradients add up until the next TrainStep steps with their
  // sum and zeroes them (gradient accumulation). Returns the loss.
  double AccumulateStep(const Batch& batch, double lossFactor = 1);
  StepOutput EvalStep(const Batch& batch);
  torch::Tensor Predict(const torch::Tensor& images, const std::optional<AugmentParams>& augment);

  void Snapshot();
  void Restore();

  void LoadWeights(const std::string& path, models::WeightsPart part);
  // Every weight and buffer from `tensors` (our keys, the whole model); errors name `source`.
  void LoadStateDict(const io::NamedTensors& tensors, const std::string& source);
  void SaveWeights(const std::string& path, const io::Metadata& metadata) const;

  // Copies on the CPU, in state-dict order.
  io::NamedTensors StateDict() const;
  std::vector<NamedGradient> Gradients() const;
  io::NamedTensors OptimizerState() const { return optimizer_.StateTensors(); }
  // Replaces the optimizer state with tensors named as OptimizerState() names them (all or
  // nothing). Parameters with state get a zero gradient, the others none, so the next step visits
  // the same parameters a continuous run would.
  void LoadOptimizerState(const io::NamedTensors& tensors);

  // The dropout masks' generator state, to resume a run exactly.
  torch::Tensor RandomState() const;
  void SetRandomState(const torch::Tensor& state);

  // Autocast dtype; fp16 brings a loss scaler unless `scaler` says otherwise.
  void SetPrecision(Precision precision, std::optional<GradScalerOptions> scaler);
  std::optional<GradScalerState> ScalerState() const;

  // Restarts the dropout masks' random stream.
  void Seed(uint64_t seed);

  // Trains as one replica of `group` from now on, as PyTorch's DistributedDataParallel does
  // (parallel/data_parallel.h): every rank must call it, with the same model.
  void Distribute(std::shared_ptr<dist::ProcessGroup> group);

 private:
  struct SavedState;

  // Pixels to the network's input (augmented, normalized); outside autocast.
  torch::Tensor Input(const torch::Tensor& images, const std::optional<AugmentParams>& augment) const;
  torch::Tensor Forward(const torch::Tensor& input, bool train);
  // The folded eval network, built from the current weights on first use after they changed.
  const models::FoldedNet& Folded();
  // Drops the folded network: call whenever weights or BatchNorm statistics change.
  void WeightsChanged() { folded_.reset(); }
  // Data parallel: rank 0's buffers before an evaluation that follows training.
  void SyncBuffersForEval();
  // Train-mode forward, loss and backward (of the scaled loss with a loss scaler); the logits
  // and the unscaled loss come back.
  std::pair<torch::Tensor, torch::Tensor> ForwardBackward(const Batch& batch, double lossFactor);
  torch::Tensor Loss(const torch::Tensor& logits, const torch::Tensor& targets) const;
  // The loss's targets on the device: class indices, or n x nOut floats.
  torch::Tensor Targets(const Batch& batch) const;
  void SetLoss(const LossSpec& loss);

  VisionModelOptions options_;
  c10::Device device_;
  at::Generator generator_;
  models::VisionNet net_;
  Optimizer optimizer_;
  Preprocessor preprocess_;
  Precision precision_;
  std::optional<GradScaler> scaler_;
  std::unique_ptr<SavedState> saved_;
  std::unique_ptr<models::FoldedNet> folded_;
  LossSpec loss_;
  torch::Tensor lossWeight_;  // the loss's class weights on the device; undefined: none
  int64_t frozen_ = 0;        // groups below this are frozen
  std::unique_ptr<dist::DataParallel> parallel_;
  bool buffersTrained_ = false;  // a training forward ran since the last buffer broadcast
  LiveCounter<LiveKind::kModel> live_;
};

}  // namespace fasttune::train
