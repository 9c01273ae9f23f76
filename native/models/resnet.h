// SPDX-License-Identifier: Apache-2.0
// ResNet written so that its registered parameter and buffer names equal torchvision's state dict
// keys (conv1, bn1, layer1..4 of BasicBlocks, fc): torchvision and timm checkpoints load by name.
#pragma once

#include <array>
#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/modules/activation.h>

#include "models/chain.h"

namespace fasttune::models {

// Two 3x3 convolutions and a shortcut, the block of ResNet-18/34.
class BasicBlockImpl : public torch::nn::Module {
 public:
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

class ResNetImpl : public torch::nn::Module {
 public:
  // `blocks`: BasicBlocks per stage ({3, 4, 6, 3} for ResNet-34).
  ResNetImpl(const std::array<int64_t, 4>& blocks, int64_t numClasses);
  torch::Tensor forward(torch::Tensor x);

  // The children before global pooling, in order: conv1, bn1, relu, maxpool, layer1..layer4.
  // The modules are shared, not copied. fastai's body is exactly this (cut = -2).
  Chain Body() const;

  static constexpr int64_t kBodyFeatures = 512;

 private:
  Chain MakeStage(int64_t planes, int64_t blocks, int64_t stride);

  int64_t inPlanes_ = 64;
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr};
  torch::nn::ReLU relu_{nullptr};
  torch::nn::MaxPool2d maxpool_{nullptr};
  Chain layer1_{nullptr}, layer2_{nullptr}, layer3_{nullptr}, layer4_{nullptr};
  torch::nn::AdaptiveAvgPool2d avgpool_{nullptr};
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(ResNet);

// ResNet-34 with torchvision's initialisation drawn from `generator`: convolutions
// kaiming-normal (fan_out, relu), BatchNorm weight 1 and bias 0, fc as PyTorch's Linear default.
ResNet Resnet34(at::Generator& generator, int64_t numClasses = 1000);

}  // namespace fasttune::models
