// SPDX-License-Identifier: Apache-2.0
#include "models/vision_net.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/normalization.h>

namespace fasttune::models {

namespace {

bool IsNorm(const torch::nn::Module& module) {
  return module.as<torch::nn::BatchNorm2d>() != nullptr || module.as<torch::nn::BatchNorm1d>() != nullptr ||
         module.as<torch::nn::LayerNorm>() != nullptr;
}

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// fastai's split: body[:splitAt], body[splitAt:], head; or body, head when splitAt is 0.
int GroupOf(const std::string& name, int splitAt) {
  const int head = splitAt > 0 ? 2 : 1;
  if (name.rfind("1.", 0) == 0) return head;
  if (splitAt == 0) return 0;
  const size_t end = name.find('.', 2);
  const int child = std::stoi(name.substr(2, end - 2));
  return child < splitAt ? 0 : 1;
}

// The first `length` children of `body`.
Chain Prefix(const Chain& body, int64_t length) {
  Chain prefix;
  int64_t i = 0;
  for (const torch::nn::AnyModule& child : *body) {
    if (i++ == length) break;
    prefix->push_back(child);
  }
  return prefix;
}

// Channels out of `body`, as fastai's num_features_model finds them: one small input through it in eval mode.
int64_t Features(Chain& body) {
  torch::NoGradGuard noGrad;
  body->eval();
  const int64_t features = body->forward(torch::zeros({1, 3, 32, 32})).size(1);
  body->train();
  return features;
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

VisionNet BuildVisionNet(const ArchRecord& arch, const NetSpec& spec, at::Generator generator) {
  VisionNet vision;
  Body body = BuildBody(arch, generator);
  const int64_t whole = static_cast<int64_t>(body.chain->size());
  const int64_t length = spec.cut ? BodyLength(arch, *spec.cut, whole) : whole;
  if (length < whole) {
    body.chain = Prefix(body.chain, length);
    body.features = Features(body.chain);
  }
  const std::vector<HeadLayer> head = spec.head ? *spec.head : DefaultHead(body.features, spec.nOut, spec.ps);
  vision.net = Chain(body.chain, BuildHead(head, body.features, spec.nOut, generator));
  vision.nOut = spec.nOut;
  vision.arch = &arch;
  vision.foldsBatchNorm = arch.foldsBatchNorm && length == whole;
  vision.nGroups = arch.splitAt > 0 ? 3 : 2;
  vision.state = CollectState(*vision.net);
  for (StateEntry& e : vision.state) {
    if (e.isParam) e.group = GroupOf(e.name, arch.splitAt);
  }
  return vision;
}

}  // namespace fasttune::models
