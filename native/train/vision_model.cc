// SPDX-License-Identifier: Apache-2.0
#include "train/vision_model.h"

#include <mutex>

#include <ATen/CPUGeneratorImpl.h>

#include "core/device.h"
#include "core/error.h"
#include "io/safetensors.h"
#include "parallel/data_parallel.h"
#include "train/optimizer_state.h"

namespace fasttune::train {

namespace {

models::VisionNet BuildNet(const VisionModelOptions& options, const at::Generator& generator) {
  const models::ArchRecord& arch = models::FindArch(options.arch);
  if (options.nOut < 1) throw CodedError(kArg, "nOut must be at least 1, got " + std::to_string(options.nOut));
  if (!(options.ps >= 0 && options.ps <= 1)) throw CodedError(kArg, "ps must lie in [0, 1]");
  return models::BuildVisionNet(arch, {options.nOut, options.ps, options.head, options.cut}, generator);
}

std::vector<OptimizedParam> OptimizedParams(const models::VisionNet& net, bool wdBnBias) {
  std::vector<OptimizedParam> params;
  for (const models::StateEntry* e : net.Params()) {
    params.push_back({e->name, e->tensor, e->group, wdBnBias || !(e->isNorm || e->isBias)});
  }
  return params;
}

// Zeroes the gradients in place when a step ends, also when it fails half-way (the next step must
// not add to stale ones).
class ZeroGradOnExit {
 public:
  explicit ZeroGradOnExit(Optimizer& optimizer) : optimizer_(optimizer) {}
  ~ZeroGradOnExit() {
    try {
      optimizer_.ZeroGrad();
    } catch (...) {
      // A device failure here already surfaced (or will) through the step itself.
    }
  }

 private:
  Optimizer& optimizer_;
};

void CopyInto(const std::vector<models::WeightsAssignment>& assignments) {
  torch::NoGradGuard noGrad;
  for (const models::WeightsAssignment& a : assignments) {
    torch::Tensor target = a.target;
    target.detach().copy_(a.source);
  }
}

// torch.nn.utils.clip_grad_norm_: scales every gradient by maxNorm / (‖g‖₂ + 1e-6) when that is below 1.
void ClipGradNorm(const std::vector<torch::Tensor>& grads, double maxNorm) {
  if (grads.empty()) return;
  torch::NoGradGuard noGrad;
  std::vector<torch::Tensor> norms;
  for (const torch::Tensor& g : grads) norms.push_back(g.norm(2).to(grads[0].device()));
  const torch::Tensor coef = (maxNorm / (torch::stack(norms).norm(2) + 1e-6)).clamp_max(1.0);
  for (const torch::Tensor& g : grads) {
    torch::Tensor grad = g;
    grad.mul_(coef.to(g.device()));
  }
}

torch::Tensor ToHost(const torch::Tensor& t) { return t.detach().to(torch::kCPU).contiguous(); }

}  // namespace

// The snapshot slot: every state tensor, which parameters had a gradient, optimizer and scaler.
struct VisionModel::SavedState {
  std::vector<torch::Tensor> state;
  std::vector<bool> hadGrad;
  std::vector<Optimizer::Slot> optimizer;
  std::optional<GradScalerState> scaler;
};

VisionModel::VisionModel(const VisionModelOptions& options)
    : options_(options),
      device_(ResolveDevice(options.device)),
      generator_(at::make_generator<at::CPUGeneratorImpl>(options.seed)),
      net_(BuildNet(options, generator_)),
      optimizer_(options.optimizer, OptimizedParams(net_, options.wdBnBias), net_.nGroups),
      preprocess_(options.normalization, device_, options.channelsLast),
      precision_(options.precision) {
  if (options.yRange && !((*options.yRange)[0] < (*options.yRange)[1]))
    throw CodedError(kArg, "yRange must be [low, high] with low < high");
  LossSpec loss;
  loss.labelSmoothing = options.labelSmoothing;
  SetLoss(loss);
  net_.net->to(device_);
  if (options.channelsLast) {
    torch::NoGradGuard noGrad;
    for (models::StateEntry& e : net_.state) {
      if (e.tensor.dim() == 4) e.tensor.set_data(e.tensor.data().contiguous(torch::MemoryFormat::ChannelsLast));
    }
  }
  SetPrecision(options.precision, options.gradScaler);
}

VisionModel::~VisionModel() = default;

std::vector<ParamInfo> VisionModel::Params() const {
  std::vector<ParamInfo> info;
  for (const models::StateEntry* e : net_.Params()) {
    info.push_back({e->name, e->tensor.sizes().vec(), e->group, e->isNorm,
                    !options_.wdBnBias && (e->isNorm || e->isBias), e->tensor.requires_grad()});
  }
  return info;
}

void VisionModel::FreezeTo(int64_t n) {
  frozen_ = std::max<int64_t>(0, n >= 0 ? n : nGroups() + n);
  for (const models::StateEntry* e : net_.Params()) {
    const bool trainable = e->group >= frozen_ || (options_.trainBn && e->isNorm);
    torch::Tensor t = e->tensor;
    t.requires_grad_(trainable);
  }
  optimizer_.ClearState();
  if (parallel_) parallel_->Reset();  // the Reducer covers the trainable parameters only
}

void VisionModel::Configure(const ModelSettings& settings) {
  SetLoss(settings.loss);
  options_.optimizer = settings.optimizer;
  options_.wdBnBias = settings.wdBnBias;
  options_.trainBn = settings.trainBn;
  optimizer_ = Optimizer(options_.optimizer, OptimizedParams(net_, options_.wdBnBias), net_.nGroups);
  saved_.reset();  // its optimizer slots belong to the old update rule
  FreezeTo(frozen_);
}

void VisionModel::SetLoss(const LossSpec& loss) {
  CheckLossSpec(loss, nOut());
  loss_ = loss;
  options_.labelSmoothing = loss.labelSmoothing;
  lossWeight_ = loss.weight.empty() ? torch::Tensor()
                                    : torch::tensor(loss.weight, torch::kFloat64).to(torch::kFloat32).to(device_);
}

torch::Tensor VisionModel::Targets(const Batch& batch) const {
  const int64_t n = batch.images.size(0);
  if (!TakesClassIndices(loss_.kind)) {
    if (!batch.targets.defined() || batch.targets.numel() != n * nOut()) {
      throw CodedError(kArg, "this loss needs float targets, " + std::to_string(nOut()) + " per image (" +
                                 std::to_string(n * nOut()) + "), got " +
                                 std::to_string(batch.targets.defined() ? batch.targets.numel() : 0));
    }
    return batch.targets.to(torch::kFloat32).reshape({n, nOut()}).to(device_);
  }
  const torch::Tensor labels = batch.labels.to(torch::kInt64);
  if (labels.dim() != 1 || labels.size(0) != batch.images.size(0)) {
    throw CodedError(kArg, "expected one label per image (" + std::to_string(batch.images.size(0)) + "), got " +
                               std::to_string(labels.numel()));
  }
  if (labels.numel() > 0 && (labels.min().item<int64_t>() < 0 || labels.max().item<int64_t>() >= nOut())) {
    throw CodedError(kArg, "labels must lie in [0, " + std::to_string(nOut()) + ")");
  }
  return labels.to(device_);
}

torch::Tensor VisionModel::Input(const torch::Tensor& images, const std::optional<AugmentParams>& augment) const {
  return preprocess_(images, augment ? &*augment : nullptr);
}

torch::Tensor VisionModel::Forward(const torch::Tensor& input, bool train) {
  net_.net->train(train);
  // Folding changes float32 rounding only; under autocast the low-precision rounding of folded
  // weights would differ from PyTorch's by far more, so mixed precision keeps the modules.
  const bool folded = !train && options_.foldBn && net_.foldsBatchNorm && precision_ == Precision::kFp32;
  torch::Tensor logits = folded ? Folded().Forward(input) : net_.net->forward(input);
  logits = logits.to(torch::kFloat32);  // losses and outputs in float32, as fastai's mixed precision does
  if (options_.yRange) {
    const auto [low, high] = *options_.yRange;
    logits = torch::sigmoid(logits) * (high - low) + low;
  }
  return logits;
}

const models::FoldedNet& VisionModel::Folded() {
  if (!folded_) {
    const auto format = options_.channelsLast ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
    folded_ = std::make_unique<models::FoldedNet>(net_, format);
  }
  return *folded_;
}

torch::Tensor VisionModel::Loss(const torch::Tensor& logits, const torch::Tensor& targets) const {
  return BatchLoss(loss_, lossWeight_, logits, targets);
}

std::pair<torch::Tensor, torch::Tensor> VisionModel::ForwardBackward(const Batch& batch, double lossFactor) {
  const torch::Tensor targets = Targets(batch);
  WeightsChanged();  // train mode moves the BatchNorm statistics; the step moves the weights
  torch::Tensor input = Input(batch.images, batch.augment);
  if (batch.mix) input = MixImages(input, *batch.mix);  // after normalization, as fastai's MixHandler
  torch::Tensor logits;
  torch::Tensor loss;
  try {
    if (parallel_) parallel_->BeforeForward();
    buffersTrained_ = true;
    {
      AutocastScope autocast(device_.type(), precision_);
      logits = Forward(input, true);
      loss = batch.mix ? MixedLoss(loss_, lossWeight_, logits, targets, *batch.mix) : Loss(logits, targets);
    }
    if (parallel_) parallel_->BeforeBackward();
    const double factor = lossFactor * (scaler_ ? scaler_->scale() : 1.0);
    (factor == 1 ? loss : loss * factor).backward();
  } catch (...) {
    if (parallel_) parallel_->Rethrow(std::current_exception());  // drops a Reducer left half-way
    throw;
  }
  return {logits, loss};
}

StepOutput VisionModel::TrainStep(const Batch& batch, const std::vector<Hypers>& hypers, bool keepLogits,
                                  const StepOptions& step) {
  if (static_cast<int>(hypers.size()) != nGroups()) {
    throw CodedError(kArg, "expected hyper-parameters for " + std::to_string(nGroups()) + " parameter groups, got " +
                               std::to_string(hypers.size()));
  }
  ZeroGradOnExit zeroGrad(optimizer_);
  const auto [logits, loss] = ForwardBackward(batch, step.lossFactor);
  bool finite = true;
  if (scaler_) {
    finite = scaler_->Unscale(optimizer_.Gradients());
    scaler_->Update(finite);
  }
  if (finite && step.clipNorm > 0) ClipGradNorm(optimizer_.Gradients(), step.clipNorm);
  if (finite) optimizer_.Step(hypers);
  return {loss.item<double>(), keepLogits ? ToHost(logits) : torch::Tensor()};
}

double VisionModel::AccumulateStep(const Batch& batch, double lossFactor) {
  try {
    return ForwardBackward(batch, lossFactor).second.item<double>();
  } catch (...) {
    optimizer_.ZeroGrad();  // half-accumulated gradients would corrupt the next step
    throw;
  }
}

void VisionModel::SyncBuffersForEval() {
  if (!parallel_ || !buffersTrained_) return;
  parallel_->SyncBuffers();
  buffersTrained_ = false;
  WeightsChanged();
}

StepOutput VisionModel::EvalStep(const Batch& batch) {
  if (batch.mix) throw CodedError(kArg, "MixUp and CutMix draws apply to training steps only, not evalStep");
  const torch::Tensor targets = Targets(batch);
  SyncBuffersForEval();
  c10::InferenceMode inference;
  const torch::Tensor input = Input(batch.images, batch.augment);
  AutocastScope autocast(device_.type(), precision_);
  torch::Tensor logits = Forward(input, false);
  return {Loss(logits, targets).item<double>(), ToHost(logits)};
}

torch::Tensor VisionModel::Predict(const torch::Tensor& images, const std::optional<AugmentParams>& augment) {
  SyncBuffersForEval();
  c10::InferenceMode inference;
  const torch::Tensor input = Input(images, augment);
  AutocastScope autocast(device_.type(), precision_);
  return ToHost(Forward(input, false));
}

void VisionModel::Snapshot() {
  auto saved = std::make_unique<SavedState>();
  torch::NoGradGuard noGrad;
  for (const models::StateEntry& e : net_.state) saved->state.push_back(e.tensor.detach().clone());
  const size_t nParams = net_.Params().size();
  for (size_t i = 0; i < nParams; ++i) saved->hadGrad.push_back(optimizer_.HasGradient(i));
  saved->optimizer = optimizer_.CopyState();
  if (scaler_) saved->scaler = scaler_->state();
  saved_ = std::move(saved);
}

void VisionModel::Restore() {
  if (!saved_) throw CodedError(kArg, "restore() needs a snapshot(): there is none, or it was already restored");
  torch::NoGradGuard noGrad;
  WeightsChanged();
  for (size_t i = 0; i < net_.state.size(); ++i) {
    torch::Tensor t = net_.state[i].tensor;
    t.detach().copy_(saved_->state[i]);
  }
  // Gradients are zero between steps; what matters is which parameters had one.
  for (size_t i = 0; i < saved_->hadGrad.size(); ++i) optimizer_.SetZeroGradient(i, saved_->hadGrad[i]);
  optimizer_.LoadState(saved_->optimizer);
  if (scaler_ && saved_->scaler) scaler_->set_state(*saved_->scaler);
  saved_.reset();
}

void VisionModel::LoadWeights(const std::string& path, models::WeightsPart part) {
  const io::WeightsFile file = io::ReadWeights(path);
  const std::vector<models::WeightsAssignment> assignments = models::MatchWeights(net_.state, file, part, path);
  WeightsChanged();
  CopyInto(assignments);
}

void VisionModel::LoadStateDict(const io::NamedTensors& tensors, const std::string& source) {
  const io::WeightsFile file{"tensors", tensors, {}};
  const std::vector<models::WeightsAssignment> assignments =
      models::MatchWeights(net_.state, file, models::WeightsPart::kFull, source);
  WeightsChanged();
  CopyInto(assignments);
}

void VisionModel::SaveWeights(const std::string& path, const io::Metadata& metadata) const {
  io::WriteSafetensors(path, StateDict(), metadata);
}

io::NamedTensors VisionModel::StateDict() const {
  // Values leave through this copy on the CPU; callers copy them out before the next job runs.
  io::NamedTensors out;
  for (const models::StateEntry& e : net_.state) out.push_back({e.name, ToHost(e.tensor)});
  return out;
}

std::vector<NamedGradient> VisionModel::Gradients() const {
  std::vector<NamedGradient> out;
  const std::vector<const models::StateEntry*> params = net_.Params();
  for (size_t i = 0; i < params.size(); ++i) {
    const torch::Tensor grad = optimizer_.Gradient(i);
    out.push_back({params[i]->name, grad.defined() ? ToHost(grad) : torch::Tensor()});
  }
  return out;
}

void VisionModel::LoadOptimizerState(const io::NamedTensors& tensors) {
  std::vector<OptimizedTensor> params;
  for (const models::StateEntry* e : net_.Params()) params.push_back({e->name, e->tensor});
  const std::vector<Optimizer::Slot> slots = SlotsFromTensors(options_.optimizer, params, tensors);
  optimizer_.LoadState(slots);
  // A parameter with state had a (zeroed) gradient when it was saved; one without had none.
  for (size_t i = 0; i < params.size(); ++i) optimizer_.SetZeroGradient(i, slots[i].gradAvg.defined());
}

torch::Tensor VisionModel::RandomState() const {
  at::Generator generator = generator_;
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void VisionModel::SetRandomState(const torch::Tensor& state) {
  const torch::Tensor current = RandomState();
  if (state.scalar_type() != torch::kUInt8 || state.sizes() != current.sizes()) {
    throw CodedError(kWeights, "random state must be " + std::to_string(current.numel()) + " bytes, got " +
                                   std::to_string(state.numel()) + " values of " +
                                   std::string(c10::toString(state.scalar_type())));
  }
  std::lock_guard<std::mutex> lock(generator_.mutex());
  generator_.set_state(state.contiguous());
}

void VisionModel::SetPrecision(Precision precision, std::optional<GradScalerOptions> scaler) {
  if (precision == Precision::kFp16 && !device_.is_cuda()) {
    throw CodedError(
        kArg, "fp16 mixed precision needs a CUDA device (this model is on " + device_.str() + "); use bf16 on the CPU");
  }
  precision_ = precision;
  if (scaler) {
    scaler_.emplace(*scaler);
  } else {
    scaler_.reset();
  }
}

std::optional<GradScalerState> VisionModel::ScalerState() const {
  if (!scaler_) return std::nullopt;
  return scaler_->state();
}

void VisionModel::Seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(generator_.mutex());
  generator_.set_current_seed(seed);
}

void VisionModel::Distribute(std::shared_ptr<dist::ProcessGroup> group) {
  std::vector<dist::ReplicaTensor> state;
  for (const models::StateEntry& e : net_.state) state.push_back({e.name, e.tensor, e.isParam});
  WeightsChanged();
  parallel_ = std::make_unique<dist::DataParallel>(std::move(group), std::move(state));
  buffersTrained_ = false;
}

}  // namespace fasttune::train
