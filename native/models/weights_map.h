// SPDX-License-Identifier: Apache-2.0
// Matches the tensors of a weights file to the model's state: our own keys (whole model or body)
// or a torchvision / timm ResNet or ConvNeXt state dict (its body; the classifier is dropped).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "io/weights.h"
#include "models/archs.h"
#include "models/vision_net.h"

namespace fasttune::models {

enum class WeightsPart { kAuto, kFull, kBody };

WeightsPart ParseWeightsPart(const std::string& part);

// Our key for a torchvision/timm key of `family` (`layer1.0.conv1.weight` -> `0.4.0.conv1.weight`,
// `features.1.0.block.0.weight` -> `0.0.1.0.block.0.weight`); nullopt for keys outside the body
// (the classifier, unknown names).
std::optional<std::string> BodyKeyFromTorchvisionKey(ArchFamily family, const std::string& key);

struct WeightsAssignment {
  torch::Tensor target;  // the model's tensor
  torch::Tensor source;  // the file's tensor
};

// Pairs every model tensor the part covers with a file tensor. Throws CodedError(E_WEIGHTS)
// naming the file and listing missing, unexpected, mis-shaped and mistyped keys. A missing
// BatchNorm `num_batches_tracked` is allowed (old checkpoints lack it) and left unchanged.
std::vector<WeightsAssignment> MatchWeights(const std::vector<StateEntry>& state, const io::WeightsFile& file,
                                            WeightsPart part, const std::string& path);

}  // namespace fasttune::models
