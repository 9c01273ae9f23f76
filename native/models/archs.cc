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
  return r;
}

ArchRecord Convnext(std::string_view name, std::array<int64_t, 4> widths, std::array<int64_t, 4> blocks,
                    double stochasticDepth) {
  ArchRecord r;
  r.name = name;
  r.family = ArchFamily::kConvnext;
  r.convnext = {widths, blocks, stochasticDepth};
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
