// SPDX-License-Identifier: Apache-2.0
#include "models/vision_net.h"

#include <torch/nn/modules/batchnorm.h>

#include "models/head.h"
#include "models/resnet.h"

namespace fasttune::models {

namespace {

bool IsNorm(const torch::nn::Module& module) {
  return module.as<torch::nn::BatchNorm2d>() != nullptr || module.as<torch::nn::BatchNorm1d>() != nullptr;
}

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// fastai's ResNet split: body[:6] (stem, layer1, layer2), body[6:] (layer3, layer4), head.
int GroupOf(const std::string& name) {
  if (name.rfind("1.", 0) == 0) return 2;
  const size_t end = name.find('.', 2);
  const int child = std::stoi(name.substr(2, end - 2));
  return child < 6 ? 0 : 1;
}

}  // namespace

std::vector<StateEntry> CollectState(const torch::nn::Module& module) {
  std::vector<StateEntry> state;
  for (const auto& item : module.named_modules("", /*include_self=*/true)) {
    const std::string prefix = item.key().empty() ? "" : item.key() + ".";
    const bool norm = IsNorm(*item.value());
    for (const auto& p : item.value()->named_parameters(/*recurse=*/false)) {
      StateEntry entry{prefix + p.key(), p.value(), true};
      entry.isNorm = norm;
      entry.isBias = EndsWith(entry.name, ".bias");
      state.push_back(std::move(entry));
    }
    for (const auto& b : item.value()->named_buffers(/*recurse=*/false)) {
      state.push_back({prefix + b.key(), b.value(), false});
    }
  }
  return state;
}

std::vector<const StateEntry*> VisionNet::Params() const {
  std::vector<const StateEntry*> params;
  for (const StateEntry& e : state) {
    if (e.isParam) params.push_back(&e);
  }
  return params;
}

VisionNet BuildResnet34(int64_t nOut, double ps, at::Generator generator) {
  VisionNet vision;
  ResNet resnet = Resnet34(generator);
  vision.net = Chain(resnet->Body(), CreateHead(ResNetImpl::kBodyFeatures, nOut, ps, generator));
  vision.nOut = nOut;
  vision.state = CollectState(*vision.net);
  for (StateEntry& e : vision.state) {
    if (e.isParam) e.group = GroupOf(e.name);
  }
  return vision;
}

}  // namespace fasttune::models
