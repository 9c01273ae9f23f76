// SPDX-License-Identifier: Apache-2.0
#include "models/weights_map.h"

#include <map>
#include <sstream>

#include "core/error.h"

namespace fasttune::models {

namespace {

// torchvision's top-level ResNet children and their index in fastai's body.
const std::map<std::string, std::string> kResnetChildren = {
    {"conv1", "0.0"}, {"bn1", "0.1"}, {"layer1", "0.4"}, {"layer2", "0.5"}, {"layer3", "0.6"}, {"layer4", "0.7"},
};

bool StartsWith(const std::string& s, const std::string& head) { return s.rfind(head, 0) == 0; }

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool IsResnetKey(const std::string& key) { return StartsWith(key, "conv1.") || StartsWith(key, "layer1."); }

std::string Shape(c10::IntArrayRef sizes) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < sizes.size(); ++i) out << (i ? ", " : "") << sizes[i];
  out << "]";
  return out.str();
}

// At most `limit` names, then a count, so a wrong file gives a readable message.
std::string List(const std::vector<std::string>& items, size_t limit = 12) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < limit; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > limit) out += ", ... and " + std::to_string(items.size() - limit) + " more";
  return out;
}

struct Problems {
  std::vector<std::string> missing, unexpected, misshaped, mistyped;
  bool empty() const { return missing.empty() && unexpected.empty() && misshaped.empty() && mistyped.empty(); }
};

}  // namespace

WeightsPart ParseWeightsPart(const std::string& part) {
  if (part == "auto") return WeightsPart::kAuto;
  if (part == "full") return WeightsPart::kFull;
  if (part == "body") return WeightsPart::kBody;
  throw CodedError(kArg, "weights part must be 'auto', 'full' or 'body', got '" + part + "'");
}

std::optional<std::string> BodyKeyFromResnetKey(const std::string& key) {
  const size_t dot = key.find('.');
  if (dot == std::string::npos) return std::nullopt;
  const auto child = kResnetChildren.find(key.substr(0, dot));
  if (child == kResnetChildren.end()) return std::nullopt;
  return child->second + key.substr(dot);
}

std::vector<WeightsAssignment> MatchWeights(const std::vector<StateEntry>& state, const io::WeightsFile& file,
                                            WeightsPart part, const std::string& path) {
  bool resnetNames = false;
  bool hasHead = false;
  for (const io::NamedTensor& t : file.tensors) {
    resnetNames = resnetNames || IsResnetKey(t.name);
    hasHead = hasHead || StartsWith(t.name, "1.");
  }
  if (part == WeightsPart::kAuto) part = (resnetNames || !hasHead) ? WeightsPart::kBody : WeightsPart::kFull;

  // Our key -> the file's tensor, after renaming; keys the part ignores are dropped here.
  std::map<std::string, const io::NamedTensor*> byKey;
  Problems problems;
  for (const io::NamedTensor& t : file.tensors) {
    std::string key = t.name;
    if (resnetNames) {
      if (StartsWith(key, "fc.")) continue;  // the ImageNet classifier, replaced by the head
      std::optional<std::string> mapped = BodyKeyFromResnetKey(key);
      if (!mapped) {
        problems.unexpected.push_back(t.name);
        continue;
      }
      key = *mapped;
    } else if (part == WeightsPart::kBody && StartsWith(key, "1.")) {
      continue;  // a whole model's file: its body is what was asked for
    }
    byKey[key] = &t;
  }

  std::vector<WeightsAssignment> assignments;
  for (const StateEntry& entry : state) {
    const bool covered = part == WeightsPart::kFull || StartsWith(entry.name, "0.");
    if (!covered) continue;
    const auto found = byKey.find(entry.name);
    if (found == byKey.end()) {
      if (!EndsWith(entry.name, ".num_batches_tracked")) problems.missing.push_back(entry.name);
      continue;
    }
    const torch::Tensor& source = found->second->tensor;
    const std::string& fileName = found->second->name;
    byKey.erase(found);
    if (!source.sizes().equals(entry.tensor.sizes())) {
      problems.misshaped.push_back(fileName + " (file " + Shape(source.sizes()) + ", model " + Shape(entry.tensor.sizes()) + ")");
    } else if (source.is_floating_point() != entry.tensor.is_floating_point() || source.is_complex() || source.scalar_type() == torch::kBool) {
      problems.mistyped.push_back(fileName + " (file " + std::string(c10::toString(source.scalar_type())) + ", model " +
                                  c10::toString(entry.tensor.scalar_type()) + ")");
    } else {
      assignments.push_back({entry.tensor, source});
    }
  }
  for (const auto& [key, tensor] : byKey) problems.unexpected.push_back(tensor->name);

  if (!problems.empty()) {
    std::string message = "weights file " + path + " does not fit the model (loading " +
                          (part == WeightsPart::kFull ? "the whole model" : "the body") + "):";
    if (!problems.missing.empty()) message += "\n  missing keys (" + std::to_string(problems.missing.size()) + "): " + List(problems.missing);
    if (!problems.unexpected.empty()) message += "\n  unexpected keys (" + std::to_string(problems.unexpected.size()) + "): " + List(problems.unexpected);
    if (!problems.misshaped.empty()) message += "\n  shape mismatches (" + std::to_string(problems.misshaped.size()) + "): " + List(problems.misshaped);
    if (!problems.mistyped.empty()) message += "\n  dtype mismatches (" + std::to_string(problems.mistyped.size()) + "): " + List(problems.mistyped);
    if (part == WeightsPart::kFull && resnetNames) message += "\n  (the file holds a torchvision/timm ResNet: load it with part 'body')";
    throw CodedError(kWeights, message);
  }
  return assignments;
}

}  // namespace fasttune::models
