// SPDX-License-Identifier: Apache-2.0
#include "models/weights_map.h"

#include <algorithm>
#include <array>
#include <map>
#include <sstream>

#include "core/error.h"

namespace fasttune::models {

namespace {

// torchvision's top-level children that fastai's body keeps, and their index in that body.
const std::map<std::string, std::string>& TorchvisionChildren(ArchFamily family) {
  static const std::map<std::string, std::string> resnet = {
      {"conv1", "0.0"}, {"bn1", "0.1"}, {"layer1", "0.4"}, {"layer2", "0.5"}, {"layer3", "0.6"}, {"layer4", "0.7"},
  };
  static const std::map<std::string, std::string> convnext = {{"features", "0.0"}};
  return family == ArchFamily::kResnet ? resnet : convnext;
}

// The ImageNet classifier, which fastai's head replaces.
std::string TorchvisionClassifier(ArchFamily family) { return family == ArchFamily::kResnet ? "fc." : "classifier."; }

bool StartsWith(const std::string& s, const std::string& head) { return s.rfind(head, 0) == 0; }

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The family whose torchvision (or timm) names a tensor name is in, if any.
std::optional<ArchFamily> TorchvisionFamilyOfKey(const std::string& key) {
  if (StartsWith(key, "conv1.") || StartsWith(key, "layer1.")) return ArchFamily::kResnet;
  if (StartsWith(key, "features.")) return ArchFamily::kConvnext;
  return std::nullopt;
}

// Our body's names tell the family: a ConvNeXt body is Sequential(features), its blocks under 0.0.<stage>.
ArchFamily FamilyOfState(const std::vector<StateEntry>& state) {
  for (const StateEntry& e : state) {
    if (StartsWith(e.name, "0.0.1.0.block.")) return ArchFamily::kConvnext;
  }
  return ArchFamily::kResnet;
}

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
std::string TorchvisionKeyFromBodyKey(ArchFamily family, const std::string& key) {
  for (const auto& [torchvision, body] : TorchvisionChildren(family)) {
    if (StartsWith(key, body + ".")) return torchvision + key.substr(body.size());
  }
  return key;
}

// An architecture as its tensor names show it: family, blocks per stage, block kind (ResNets).
struct Layout {
  ArchFamily family = ArchFamily::kResnet;
  std::array<int, 4> blocks{};
  bool bottleneck = false;
  bool operator==(const Layout& o) const {
    return family == o.family && blocks == o.blocks && bottleneck == o.bottleneck;
  }
};

// The name prefix of stage `stage` (0-3) in torchvision's names or in ours.
std::string StagePrefix(ArchFamily family, bool torchvisionNames, int stage) {
  if (family == ArchFamily::kResnet) {
    return torchvisionNames ? "layer" + std::to_string(stage + 1) + "." : "0." + std::to_string(4 + stage) + ".";
  }
  return (torchvisionNames ? "features." : "0.0.") + std::to_string(1 + 2 * stage) + ".";
}

std::optional<Layout> LayoutOf(const std::vector<std::string>& names, ArchFamily family, bool torchvisionNames) {
  Layout layout;
  layout.family = family;
  bool any = false;
  for (const std::string& name : names) {
    for (int stage = 0; stage < 4; ++stage) {
      const std::string prefix = StagePrefix(family, torchvisionNames, stage);
      if (!StartsWith(name, prefix)) continue;
      const std::string rest = name.substr(prefix.size());
      const size_t dot = rest.find('.');
      if (dot == 0 || dot == std::string::npos || rest.find_first_not_of("0123456789") != dot) continue;
      layout.blocks[stage] = std::max(layout.blocks[stage], std::stoi(rest.substr(0, dot)) + 1);
      layout.bottleneck = layout.bottleneck || rest.find(".conv3.") != std::string::npos;
      any = true;
    }
  }
  if (!any) return std::nullopt;
  return layout;
}

// "ResNet-50 (bottleneck blocks per stage 3, 4, 6, 3)", "ConvNeXt-Tiny (blocks per stage 3, 3, 9, 3)",
// or without a name for a depth torchvision lacks.
std::string DescribeLayout(const Layout& layout) {
  static const std::map<std::pair<bool, std::array<int, 4>>, std::string> resnets = {
      {{false, {2, 2, 2, 2}}, "ResNet-18"},  {{false, {3, 4, 6, 3}}, "ResNet-34"},  {{true, {3, 4, 6, 3}}, "ResNet-50"},
      {{true, {3, 4, 23, 3}}, "ResNet-101"}, {{true, {3, 8, 36, 3}}, "ResNet-152"},
  };
  const auto& b = layout.blocks;
  const std::string perStage = "blocks per stage " + std::to_string(b[0]) + ", " + std::to_string(b[1]) + ", " +
                               std::to_string(b[2]) + ", " + std::to_string(b[3]);
  if (layout.family == ArchFamily::kConvnext) {
    return b == std::array<int, 4>{3, 3, 9, 3} ? "ConvNeXt-Tiny (" + perStage + ")" : "a ConvNeXt with " + perStage;
  }
  const std::string blocks = std::string(layout.bottleneck ? "bottleneck " : "basic ") + perStage;
  const auto name = resnets.find({layout.bottleneck, b});
  return name == resnets.end() ? "a ResNet with " + blocks : name->second + " (" + blocks + ")";
}

// The layout of our names (either family), or of a torchvision family's names.
std::optional<Layout> LayoutOfNames(const std::vector<std::string>& names, std::optional<ArchFamily> torchvision) {
  if (torchvision) return LayoutOf(names, *torchvision, true);
  for (ArchFamily family : {ArchFamily::kResnet, ArchFamily::kConvnext}) {
    if (std::optional<Layout> layout = LayoutOf(names, family, false)) return layout;
  }
  return std::nullopt;
}

// A line saying which architecture each side is, when the file and the model differ in family or depth.
std::string ArchMismatch(const std::vector<StateEntry>& state, const io::WeightsFile& file,
                         std::optional<ArchFamily> torchvision) {
  std::vector<std::string> modelNames, fileNames;
  for (const StateEntry& entry : state) modelNames.push_back(entry.name);
  for (const io::NamedTensor& t : file.tensors) fileNames.push_back(t.name);
  const std::optional<Layout> model = LayoutOfNames(modelNames, std::nullopt);
  const std::optional<Layout> inFile = LayoutOfNames(fileNames, torchvision);
  if (!model || !inFile || *model == *inFile) return "";
  return "\n  the file holds a " + DescribeLayout(*inFile) + "; the model is a " + DescribeLayout(*model);
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

std::optional<std::string> BodyKeyFromTorchvisionKey(ArchFamily family, const std::string& key) {
  const size_t dot = key.find('.');
  if (dot == std::string::npos) return std::nullopt;
  const auto& children = TorchvisionChildren(family);
  const auto child = children.find(key.substr(0, dot));
  if (child == children.end()) return std::nullopt;
  return child->second + key.substr(dot);
}

std::vector<WeightsAssignment> MatchWeights(const std::vector<StateEntry>& state, const io::WeightsFile& file,
                                            WeightsPart part, const std::string& path) {
  std::optional<ArchFamily> torchvision;  // the file is a torchvision/timm state dict of this family
  bool hasHead = false;
  for (const io::NamedTensor& t : file.tensors) {
    if (!torchvision) torchvision = TorchvisionFamilyOfKey(t.name);
    hasHead = hasHead || StartsWith(t.name, "1.");
  }
  const bool torchvisionNames = torchvision.has_value();
  const ArchFamily modelFamily = FamilyOfState(state);
  if (part == WeightsPart::kAuto) part = (torchvisionNames || !hasHead) ? WeightsPart::kBody : WeightsPart::kFull;

  // Our key -> the file's tensor, after renaming; keys the part ignores are dropped here.
  std::map<std::string, const io::NamedTensor*> byKey;
  Problems problems;
  for (const io::NamedTensor& t : file.tensors) {
    std::string key = t.name;
    if (torchvisionNames) {
      if (StartsWith(key, TorchvisionClassifier(*torchvision)))
        continue;  // the ImageNet classifier, replaced by the head
      std::optional<std::string> mapped = BodyKeyFromTorchvisionKey(*torchvision, key);
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
        problems.missing.push_back(torchvisionNames ? TorchvisionKeyFromBodyKey(modelFamily, entry.name) : entry.name);
      }
      continue;
    }
    const torch::Tensor& source = found->second->tensor;
    const std::string& fileName = found->second->name;
    byKey.erase(found);
    if (!source.sizes().equals(entry.tensor.sizes())) {
      problems.misshaped.push_back(fileName + " (file " + Shape(source.sizes()) + ", model " +
                                   Shape(entry.tensor.sizes()) + ")");
    } else if (source.is_floating_point() != entry.tensor.is_floating_point() || source.is_complex() ||
               source.scalar_type() == torch::kBool) {
      problems.mistyped.push_back(fileName + " (file " + std::string(c10::toString(source.scalar_type())) + ", model " +
                                  c10::toString(entry.tensor.scalar_type()) + ")");
    } else {
      assignments.push_back({entry.tensor, source});
    }
  }
  for (const auto& [key, tensor] : byKey) problems.unexpected.push_back(tensor->name);

  if (!problems.empty()) {
    std::string message = "weights file " + path + " does not fit the model (loading " +
                          (part == WeightsPart::kFull ? "the whole model" : "the body") +
                          "):" + ArchMismatch(state, file, torchvision);
    if (!problems.missing.empty())
      message += "\n  missing keys (" + std::to_string(problems.missing.size()) + "): " + List(problems.missing);
    if (!problems.unexpected.empty())
      message +=
          "\n  unexpected keys (" + std::to_string(problems.unexpected.size()) + "): " + List(problems.unexpected);
    if (!problems.misshaped.empty())
      message +=
          "\n  shape mismatches (" + std::to_string(problems.misshaped.size()) + "): " + List(problems.misshaped);
    if (!problems.mistyped.empty())
      message += "\n  dtype mismatches (" + std::to_string(problems.mistyped.size()) + "): " + List(problems.mistyped);
    if (part == WeightsPart::kFull && torchvisionNames)
      message += "\n  (the file holds a torchvision/timm state dict: load it with part 'body')";
    throw CodedError(kWeights, message);
  }
  return assignments;
}

}  // namespace fasttune::models
