// SPDX-License-Identifier: Apache-2.0
// ResNet written so that its registered parameter and buffer names equal torchvision's state dict
// keys (conv1, bn1, layer1..4 of BasicBlocks or Bottlenecks, fc): torchvision and timm checkpoints
// load by name.
#pragma once

#include <array>
#include <cstdint>

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include "models/chain.h"

namespace fasttune::models {

// Two 3x3 convolutions and a shortcut, the block of ResNet-18/34.
class BasicBlockImpl : public torch::nn::Module {
 public:
  static constexpr int64_t kExpansion = 1;
  BasicBlockImpl(int64_t inPlanes, int64_t planes, int64_t stride);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr};
  torch::nn::Conv2d conv2_{nullptr};
  torch::nn::BatchNorm2d bn2_{nullptr};
  Chain downsample_{nullptr};  // 1x1 conv + BN when the shape changes
};
TORCH_MODULE(BasicBlock);

// 1x1 reduce, 3x3 (carrying the stride, torchvision's "ResNet v1.5"), 1x1 expand by 4, and a
// shortcut: the block of ResNet-50/101/152.
class BottleneckImpl : public torch::nn::Module {
 public:
  static constexpr int64_t kExpansion = 4;
  BottleneckImpl(int64_t inPlanes, int64_t planes, int64_t stride);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr};
  torch::nn::Conv2d conv2_{nullptr};
  torch::nn::BatchNorm2d bn2_{nullptr};
  torch::nn::Conv2d conv3_{nullptr};
  torch::nn::BatchNorm2d bn3_{nullptr};
  Chain downsample_{nullptr};
};
TORCH_MODULE(Bottleneck);

// A torchvision ResNet's shape: blocks per stage and the block kind.
struct ResnetSpec {
  std::array<int64_t, 4> blocks;
  bool bottleneck = false;
};

class ResNetImpl : public torch::nn::Module {
 public:
  ResNetImpl(const ResnetSpec& spec, int64_t numClasses);
  torch::Tensor forward(torch::Tensor x);

  // The children before global pooling, in order: conv1, bn1, relu, maxpool, layer1..layer4.
  // The modules are shared, not copied. fastai's body is exactly this (cut = -2).
  Chain Body() const;
  // Channels out of the body: 512, or 2048 with bottlenecks.
  int64_t BodyFeatures() const { return features_; }

 private:
  Chain MakeStage(int64_t planes, int64_t blocks, int64_t stride, bool bottleneck);

  int64_t inPlanes_ = 64;
  int64_t features_ = 0;
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr};
  torch::nn::ReLU relu_{nullptr};
  torch::nn::MaxPool2d maxpool_{nullptr};
  Chain layer1_{nullptr}, layer2_{nullptr}, layer3_{nullptr}, layer4_{nullptr};
  torch::nn::AdaptiveAvgPool2d avgpool_{nullptr};
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(ResNet);

// A ResNet with torchvision's initialisation drawn from `generator`: convolutions
// kaiming-normal (fan_out, relu), BatchNorm weight 1 and bias 0, fc as PyTorch's Linear default.
ResNet MakeResnet(const ResnetSpec& spec, at::Generator& generator, int64_t numClasses = 1000);

}  // namespace fasttune::models
