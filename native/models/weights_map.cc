// SPDX-License-Identifier: Apache-2.0
#include "models/weights_map.h"

#include <algorithm>
#include <array>
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

// Our body key back in torchvision's names (`0.4.2.conv1.weight` -> `layer1.2.conv1.weight`), so a
// message about a torchvision file speaks the file's names.
std::string ResnetKeyFromBodyKey(const std::string& key) {
  for (const auto& [resnet, body] : kResnetChildren) {
    if (StartsWith(key, body + ".")) return resnet + key.substr(body.size());
  }
  return key;
}

// A ResNet's depth as its tensor names show it: blocks per stage, and whether they are bottlenecks.
struct ResnetShape {
  std::array<int, 4> blocks{};
  bool bottleneck = false;
};

// `stagePrefix(i)` is the name prefix of stage i ("layer1." for torchvision, "0.4." for our body).
template <typename Names, typename Prefix>
std::optional<ResnetShape> ResnetShapeOf(const Names& names, Prefix stagePrefix) {
  ResnetShape shape;
  bool any = false;
  for (const std::string& name : names) {
    for (int stage = 0; stage < 4; ++stage) {
      const std::string prefix = stagePrefix(stage);
      if (!StartsWith(name, prefix)) continue;
      const std::string rest = name.substr(prefix.size());
      const size_t dot = rest.find('.');
      if (dot == 0 || dot == std::string::npos || rest.find_first_not_of("0123456789") != dot) continue;
      shape.blocks[stage] = std::max(shape.blocks[stage], std::stoi(rest.substr(0, dot)) + 1);
      shape.bottleneck = shape.bottleneck || rest.find(".conv3.") != std::string::npos;
      any = true;
    }
  }
  if (!any) return std::nullopt;
  return shape;
}

// "ResNet-50 (bottleneck blocks per stage 3, 4, 6, 3)", or without a name for a depth torchvision lacks.
std::string DescribeResnet(const ResnetShape& shape) {
  static const std::map<std::pair<bool, std::array<int, 4>>, std::string> known = {
      {{false, {2, 2, 2, 2}}, "ResNet-18"}, {{false, {3, 4, 6, 3}}, "ResNet-34"},  {{true, {3, 4, 6, 3}}, "ResNet-50"},
      {{true, {3, 4, 23, 3}}, "ResNet-101"}, {{true, {3, 8, 36, 3}}, "ResNet-152"},
  };
  const auto& b = shape.blocks;
  const std::string blocks = std::string(shape.bottleneck ? "bottleneck" : "basic") + " blocks per stage " + std::to_string(b[0]) + ", " +
                             std::to_string(b[1]) + ", " + std::to_string(b[2]) + ", " + std::to_string(b[3]);
  const auto name = known.find({shape.bottleneck, b});
  return name == known.end() ? "a ResNet with " + blocks : name->second + " (" + blocks + ")";
}

// A line saying which ResNet each side is, when the file and the model differ in depth or block kind.
std::string DepthMismatch(const std::vector<StateEntry>& state, const io::WeightsFile& file, bool resnetNames) {
  std::vector<std::string> modelNames, fileNames;
  for (const StateEntry& entry : state) modelNames.push_back(entry.name);
  for (const io::NamedTensor& t : file.tensors) fileNames.push_back(t.name);
  const auto ours = [](int stage) { return "0." + std::to_string(4 + stage) + "."; };
  const auto torchvision = [](int stage) { return "layer" + std::to_string(stage + 1) + "."; };
  const std::optional<ResnetShape> model = ResnetShapeOf(modelNames, ours);
  const std::optional<ResnetShape> inFile = resnetNames ? ResnetShapeOf(fileNames, torchvision) : ResnetShapeOf(fileNames, ours);
  if (!model || !inFile || (model->blocks == inFile->blocks && model->bottleneck == inFile->bottleneck)) return "";
  return "\n  the file holds a " + DescribeResnet(*inFile) + "; the model is a " + DescribeResnet(*model);
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
      if (!EndsWith(entry.name, ".num_batches_tracked")) {
        problems.missing.push_back(resnetNames ? ResnetKeyFromBodyKey(entry.name) : entry.name);
      }
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
                          (part == WeightsPart::kFull ? "the whole model" : "the body") + "):" +
                          DepthMismatch(state, file, resnetNames);
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
