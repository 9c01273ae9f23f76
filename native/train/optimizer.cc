// SPDX-License-Identifier: Apache-2.0
#include "train/optimizer.h"

#include <cmath>
#include <map>
#include <tuple>

#include <torch/csrc/autograd/variable.h>

#include "core/error.h"
#include "train/fused_update.h"

namespace fasttune::train {

namespace {

// Parameters that share every scalar of the update, so one multi-tensor op serves them all.
struct Bucket {
  std::vector<torch::Tensor> params, grads, gradAvgs, sqrAvgs;
};

torch::Tensor Copy(const torch::Tensor& t) { return t.defined() ? t.clone() : t; }

}  // namespace

OptimizerKind ParseOptimizerKind(const std::string& name) {
  if (name == "adam") return OptimizerKind::kAdam;
  if (name == "sgd") return OptimizerKind::kSgd;
  throw CodedError(kArg, "optimizer must be 'adam' or 'sgd', got '" + name + "'");
}

Optimizer::Optimizer(OptimizerKind kind, std::vector<OptimizedParam> params, int groups)
    : kind_(kind), params_(std::move(params)), slots_(params_.size()), zeroGrad_(params_.size(), 0), groups_(groups) {}

void Optimizer::Step(const std::vector<Hypers>& hypers) {
  if (static_cast<int>(hypers.size()) != groups_) {
    throw CodedError(kArg, "expected hyper-parameters for " + std::to_string(groups_) + " parameter groups, got " +
                               std::to_string(hypers.size()));
  }
  torch::NoGradGuard noGrad;
  const bool adam = kind_ == OptimizerKind::kAdam;
  // (group, decay, step count) -> bucket; step counts only differ after state was loaded.
  std::map<std::tuple<int, bool, int64_t>, Bucket> buckets;
  for (size_t i = 0; i < params_.size(); ++i) {
    const OptimizedParam& p = params_[i];
    const torch::Tensor& grad = p.tensor.grad();
    if (!grad.defined() && !zeroGrad_[i]) continue;
    Slot& slot = slots_[i];
    if (!slot.gradAvg.defined()) {
      slot.gradAvg = torch::zeros_like(p.tensor);
      if (adam) slot.sqrAvg = torch::zeros_like(p.tensor);
    }
    const int64_t previousStep = slot.step++;
    const Hypers& h = hypers[p.group];
    const double decay = p.decay && h.wd != 0 ? 1.0 - h.lr * h.wd : 1.0;
    if (CanFuse(p.tensor, grad, slot.gradAvg, slot.sqrAvg)) {
      torch::Tensor param = p.tensor;
      if (adam) {
        const double step = static_cast<double>(previousStep + 1);
        FusedAdamUpdate(param, grad, slot.gradAvg, slot.sqrAvg,
                        {decay, h.mom, h.sqrMom, h.lr / (1.0 - std::pow(h.mom, step)),
                         std::sqrt(1.0 - std::pow(h.sqrMom, step)), h.eps});
      } else {
        FusedSgdUpdate(param, grad, slot.gradAvg, {decay, h.mom, h.lr});
      }
      torch::autograd::impl::bump_version(param);  // written through its data pointer
      continue;
    }
    Bucket& b = buckets[{p.group, p.decay, previousStep}];
    b.params.push_back(p.tensor);
    b.grads.push_back(grad.defined() ? grad : torch::zeros_like(p.tensor));
    b.gradAvgs.push_back(slot.gradAvg);
    if (adam) b.sqrAvgs.push_back(slot.sqrAvg);
  }
  // Everything else (other devices and dtypes): the same operations as multi-tensor ops.
  for (auto& [key, b] : buckets) {
    const auto& [group, decay, previousStep] = key;
    const Hypers& h = hypers[group];
    if (decay && h.wd != 0) torch::_foreach_mul_(b.params, 1.0 - h.lr * h.wd);
    if (!adam) {
      torch::_foreach_mul_(b.gradAvgs, h.mom);
      torch::_foreach_add_(b.gradAvgs, b.grads);
      torch::_foreach_add_(b.params, b.gradAvgs, -h.lr);
      continue;
    }
    torch::_foreach_mul_(b.gradAvgs, h.mom);
    torch::_foreach_add_(b.gradAvgs, b.grads, 1.0 - h.mom);
    torch::_foreach_mul_(b.sqrAvgs, h.sqrMom);
    torch::_foreach_addcmul_(b.sqrAvgs, b.grads, b.grads, 1.0 - h.sqrMom);
    const double step = static_cast<double>(previousStep + 1);
    const double debias1 = 1.0 - std::pow(h.mom, step);
    const double debias2 = 1.0 - std::pow(h.sqrMom, step);
    // The same operations, in the same order, as torch.optim.AdamW: sqrt(v) / sqrt(debias2) + eps.
    std::vector<torch::Tensor> denom = torch::_foreach_sqrt(b.sqrAvgs);
    torch::_foreach_div_(denom, std::sqrt(debias2));
    torch::_foreach_add_(denom, h.eps);
    torch::_foreach_addcdiv_(b.params, b.gradAvgs, denom, -h.lr / debias1);
  }
}

std::vector<torch::Tensor> Optimizer::Gradients() const {
  std::vector<torch::Tensor> grads;
  for (const OptimizedParam& p : params_) {
    if (p.tensor.grad().defined()) grads.push_back(p.tensor.grad());
  }
  return grads;
}

torch::Tensor Optimizer::Gradient(size_t i) const {
  const torch::Tensor& grad = params_.at(i).tensor.grad();
  if (grad.defined() || !zeroGrad_[i]) return grad;
  return torch::zeros_like(params_[i].tensor);
}

bool Optimizer::HasGradient(size_t i) const { return params_.at(i).tensor.grad().defined() || zeroGrad_[i]; }

void Optimizer::SetZeroGradient(size_t i, bool zero) {
  torch::Tensor t = params_.at(i).tensor;
  t.mutable_grad().reset();
  zeroGrad_[i] = zero;
}

void Optimizer::ZeroGrad() {
  for (size_t i = 0; i < params_.size(); ++i) {
    torch::Tensor t = params_[i].tensor;
    if (!t.grad().defined()) continue;
    t.mutable_grad().reset();
    zeroGrad_[i] = 1;
  }
}

void Optimizer::ClearState() {
  for (Slot& slot : slots_) slot = Slot{};
}

std::vector<Optimizer::Slot> Optimizer::CopyState() const {
  std::vector<Slot> copy;
  copy.reserve(slots_.size());
  for (const Slot& s : slots_) copy.push_back({Copy(s.gradAvg), Copy(s.sqrAvg), s.step});
  return copy;
}

void Optimizer::LoadState(const std::vector<Slot>& slots) {
  if (slots.size() != slots_.size()) throw CodedError(kNative, "optimizer state does not match the parameters");
  for (size_t i = 0; i < slots.size(); ++i) slots_[i] = {Copy(slots[i].gradAvg), Copy(slots[i].sqrAvg), slots[i].step};
}

io::NamedTensors Optimizer::StateTensors() const {
  io::NamedTensors out;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Slot& s = slots_[i];
    if (!s.gradAvg.defined()) continue;
    const std::string& name = params_[i].name;
    out.push_back({name + ".grad_avg", s.gradAvg.detach().to(torch::kCPU).clone()});
    if (s.sqrAvg.defined()) out.push_back({name + ".sqr_avg", s.sqrAvg.detach().to(torch::kCPU).clone()});
    if (kind_ == OptimizerKind::kAdam) out.push_back({name + ".step", torch::tensor(s.step, torch::kInt64)});
  }
  return out;
}

}  // namespace fasttune::train
