// SPDX-License-Identifier: Apache-2.0
#include "models/archs.h"

#include <array>

#include "core/error.h"

namespace fasttune::models {

namespace {

ArchRecord Resnet(std::string_view name, std::array<int64_t, 4> blocks, bool bottleneck) {
  ArchRecord r;
  r.name = name;
  r.family = ArchFamily::kResnet;
  r.resnet = {blocks, bottleneck};
  r.splitAt = 6;
  r.foldsBatchNorm = true;
  r.children = 10;  // conv1, bn1, relu, maxpool, layer1-4, avgpool, fc
  return r;
}

ArchRecord Convnext(std::string_view name, std::array<int64_t, 4> widths, std::array<int64_t, 4> blocks,
                    double stochasticDepth) {
  ArchRecord r;
  r.name = name;
  r.family = ArchFamily::kConvnext;
  r.convnext = {widths, blocks, stochasticDepth};
  r.children = 3;  // features, avgpool, classifier
  return r;
}

const std::array<ArchRecord, 6>& Archs() {
  static const std::array<ArchRecord, 6> archs = {
      Resnet("resnet18", {2, 2, 2, 2}, false),  Resnet("resnet34", {3, 4, 6, 3}, false),
      Resnet("resnet50", {3, 4, 6, 3}, true),   Resnet("resnet101", {3, 4, 23, 3}, true),
      Resnet("resnet152", {3, 8, 36, 3}, true), Convnext("convnext_tiny", {96, 192, 384, 768}, {3, 3, 9, 3}, 0.1),
  };
  return archs;
}

}  // namespace

const ArchRecord& FindArch(const std::string& name) {
  std::string known;
  for (const ArchRecord& arch : Archs()) {
    if (arch.name == name) return arch;
    known += (known.empty() ? "'" : ", '") + std::string(arch.name) + "'";
  }
  throw CodedError(kArg, "arch must be one of " + known + ", got '" + name + "'");
}

int64_t BodyLength(const ArchRecord& arch, int64_t cut, int64_t wholeBody) {
  const int64_t length = cut < 0 ? arch.children + cut : cut;
  if (length < 1 || length > wholeBody)
    throw CodedError(kArg, "cut " + std::to_string(cut) + " must keep 1 to " + std::to_string(wholeBody) + " of " +
                               std::string(arch.name) + "'s " + std::to_string(arch.children) +
                               " children (the body ends before the pooling)");
  return length;
}

Body BuildBody(const ArchRecord& arch, at::Generator generator) {
  switch (arch.family) {
    case ArchFamily::kResnet: {
      const ResNet net = MakeResnet(arch.resnet, generator);
      return {net->Body(), net->BodyFeatures()};
    }
    case ArchFamily::kConvnext: {
      const ConvNeXt net = MakeConvnext(arch.convnext, generator);
      return {net->Body(), net->BodyFeatures()};
    }
  }
  throw CodedError(kNative, "unknown architecture family");
}

}  // namespace fasttune::models
