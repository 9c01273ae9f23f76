// SPDX-License-Identifier: Apache-2.0
// The architectures a vision model can be built from, as data: one record per torchvision name,
// one builder per family. A record says how to build the network and how fastai cuts and splits
// it; nothing outside this file branches on the architecture.
#pragma once

#include <string>
#include <string_view>

#include <ATen/core/Generator.h>

#include "models/chain.h"
#include "models/convnext.h"
#include "models/resnet.h"

namespace fasttune::models {

enum class ArchFamily { kResnet, kConvnext };

struct ArchRecord {
  std::string_view name;  // torchvision's constructor name
  ArchFamily family = ArchFamily::kResnet;
  ResnetSpec resnet{};      // kResnet
  ConvnextSpec convnext{};  // kConvnext
  // fastai's parameter groups: body children before `splitAt` form group 0, the others group 1,
  // the head the last group (ResNets: `_resnet_split`, body[:6], body[6:], head). 0: the body is
  // one group (fastai's `default_split`: body, head).
  int splitAt = 0;
  // Eval can fold every BatchNorm into its convolution (models/folded_net.h).
  bool foldsBatchNorm = false;
  // torchvision's top-level children (ResNets 10, ConvNeXt 3), which fastai's cut indexes.
  int children = 0;
};

// The record for `name`; throws CodedError(E_ARG) naming the known architectures.
const ArchRecord& FindArch(const std::string& name);

// fastai's body (the network cut before its pooling) with torchvision's initialisation drawn from
// `generator`, and its output channels.
struct Body {
  Chain chain;
  int64_t features = 0;
};
Body BuildBody(const ArchRecord& arch, at::Generator generator);

// The number of body children fastai's `cut` keeps (Python's slice `children[:cut]`); throws
// CodedError(E_ARG) unless it keeps at least one child and cuts before the pooling.
int64_t BodyLength(const ArchRecord& arch, int64_t cut, int64_t wholeBody);

}  // namespace fasttune::models
