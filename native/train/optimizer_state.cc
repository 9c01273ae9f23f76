// SPDX-License-Identifier: Apache-2.0
#include "train/optimizer_state.h"

#include <map>

#include "core/error.h"

namespace fasttune::train {

namespace {

struct Pieces {
  const torch::Tensor* gradAvg = nullptr;
  const torch::Tensor* sqrAvg = nullptr;
  const torch::Tensor* step = nullptr;
};

std::string List(const std::vector<std::string>& items, size_t limit = 8) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < limit; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > limit) out += ", ... and " + std::to_string(items.size() - limit) + " more";
  return out;
}

// A moment shaped like its parameter, on its device and in its layout.
torch::Tensor Moment(const torch::Tensor& param, const torch::Tensor& value) {
  torch::NoGradGuard noGrad;
  return torch::empty_like(param).copy_(value);
}

}  // namespace

std::vector<Optimizer::Slot> SlotsFromTensors(OptimizerKind kind, const std::vector<OptimizedTensor>& params,
                                              const io::NamedTensors& tensors) {
  const bool adam = kind == OptimizerKind::kAdam;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < params.size(); ++i) index[params[i].name] = i;
  std::vector<Pieces> pieces(params.size());
  std::vector<std::string> problems;
  for (const io::NamedTensor& t : tensors) {
    const size_t dot = t.name.rfind('.');
    const std::string param = dot == std::string::npos ? "" : t.name.substr(0, dot);
    const std::string kind = dot == std::string::npos ? "" : t.name.substr(dot + 1);
    const auto found = index.find(param);
    const bool known = kind == "grad_avg" || (adam && (kind == "sqr_avg" || kind == "step"));
    if (found == index.end() || !known) {
      problems.push_back("unexpected tensor '" + t.name + "'");
      continue;
    }
    Pieces& p = pieces[found->second];
    const torch::Tensor** slot = kind == "grad_avg" ? &p.gradAvg : kind == "sqr_avg" ? &p.sqrAvg : &p.step;
    if (*slot) problems.push_back("tensor '" + t.name + "' appears twice");
    *slot = &t.tensor;
  }

  std::vector<Optimizer::Slot> slots(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    const Pieces& p = pieces[i];
    const std::string& name = params[i].name;
    if (!p.gradAvg && !p.sqrAvg && !p.step) continue;
    if (!p.gradAvg || (adam && (!p.sqrAvg || !p.step))) {
      problems.push_back("incomplete state for '" + name + "' (" + (adam ? "grad_avg, sqr_avg and step" : "grad_avg") +
                         " needed)");
      continue;
    }
    const torch::Tensor& param = params[i].tensor;
    bool ok = true;
    for (const torch::Tensor* moment : {p.gradAvg, p.sqrAvg}) {
      if (moment && (moment->sizes() != param.sizes() || !moment->is_floating_point())) {
        problems.push_back("state of '" + name + "' is not a float tensor shaped like the parameter");
        ok = false;
        break;
      }
    }
    if (p.step && (p.step->numel() != 1 || p.step->is_floating_point() || p.step->item<int64_t>() < 1)) {
      problems.push_back("'" + name + ".step' is not a positive integer");
      ok = false;
    }
    if (!ok) continue;
    slots[i].gradAvg = Moment(param, *p.gradAvg);
    if (p.sqrAvg) slots[i].sqrAvg = Moment(param, *p.sqrAvg);
    if (p.step) slots[i].step = p.step->item<int64_t>();
  }
  if (!problems.empty()) {
    throw CodedError(kWeights, "optimizer state does not fit this model: " + List(problems));
  }
  return slots;
}

}  // namespace fasttune::train
