// SPDX-License-Identifier: Apache-2.0
#include "models/resnet.h"

#include <cmath>

#include <torch/nn/init.h>

#include "models/init.h"

namespace fasttune::models {

namespace {

namespace nn = torch::nn;

nn::Conv2d Conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false));
}

}  // namespace

BasicBlockImpl::BasicBlockImpl(int64_t inPlanes, int64_t planes, int64_t stride) {
  conv1_ = register_module("conv1", Conv(inPlanes, planes, 3, stride, 1));
  bn1_ = register_module("bn1", nn::BatchNorm2d(planes));
  conv2_ = register_module("conv2", Conv(planes, planes, 3, 1, 1));
  bn2_ = register_module("bn2", nn::BatchNorm2d(planes));
  if (stride != 1 || inPlanes != planes) {
    downsample_ = register_module("downsample", Chain(Conv(inPlanes, planes, 1, stride, 0), nn::BatchNorm2d(planes)));
  }
}

torch::Tensor BasicBlockImpl::forward(torch::Tensor x) {
  torch::Tensor out = bn1_->forward(conv1_->forward(x)).relu_();
  out = bn2_->forward(conv2_->forward(out));
  out += downsample_ ? downsample_->forward(x) : x;
  return out.relu_();
}

BottleneckImpl::BottleneckImpl(int64_t inPlanes, int64_t planes, int64_t stride) {
  const int64_t out = planes * kExpansion;
  conv1_ = register_module("conv1", Conv(inPlanes, planes, 1, 1, 0));
  bn1_ = register_module("bn1", nn::BatchNorm2d(planes));
  conv2_ = register_module("conv2", Conv(planes, planes, 3, stride, 1));
  bn2_ = register_module("bn2", nn::BatchNorm2d(planes));
  conv3_ = register_module("conv3", Conv(planes, out, 1, 1, 0));
  bn3_ = register_module("bn3", nn::BatchNorm2d(out));
  if (stride != 1 || inPlanes != out) {
    downsample_ = register_module("downsample", Chain(Conv(inPlanes, out, 1, stride, 0), nn::BatchNorm2d(out)));
  }
}

torch::Tensor BottleneckImpl::forward(torch::Tensor x) {
  torch::Tensor out = bn1_->forward(conv1_->forward(x)).relu_();
  out = bn2_->forward(conv2_->forward(out)).relu_();
  out = bn3_->forward(conv3_->forward(out));
  out += downsample_ ? downsample_->forward(x) : x;
  return out.relu_();
}

ResNetImpl::ResNetImpl(const ResnetSpec& spec, int64_t numClasses) {
  const auto& blocks = spec.blocks;
  conv1_ = register_module("conv1", Conv(3, 64, 7, 2, 3));
  bn1_ = register_module("bn1", nn::BatchNorm2d(64));
  relu_ = register_module("relu", nn::ReLU(nn::ReLUOptions().inplace(true)));
  maxpool_ = register_module("maxpool", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
  layer1_ = register_module("layer1", MakeStage(64, blocks[0], 1, spec.bottleneck));
  layer2_ = register_module("layer2", MakeStage(128, blocks[1], 2, spec.bottleneck));
  layer3_ = register_module("layer3", MakeStage(256, blocks[2], 2, spec.bottleneck));
  layer4_ = register_module("layer4", MakeStage(512, blocks[3], 2, spec.bottleneck));
  avgpool_ = register_module("avgpool", nn::AdaptiveAvgPool2d(1));
  features_ = 512 * (spec.bottleneck ? BottleneckImpl::kExpansion : BasicBlockImpl::kExpansion);
  fc_ = register_module("fc", nn::Linear(features_, numClasses));
}

Chain ResNetImpl::MakeStage(int64_t planes, int64_t blocks, int64_t stride, bool bottleneck) {
  Chain stage;
  for (int64_t i = 0; i < blocks; ++i) {
    const int64_t s = i == 0 ? stride : 1;
    if (bottleneck) {
      stage->push_back(Bottleneck(inPlanes_, planes, s));
      inPlanes_ = planes * BottleneckImpl::kExpansion;
    } else {
      stage->push_back(BasicBlock(inPlanes_, planes, s));
      inPlanes_ = planes * BasicBlockImpl::kExpansion;
    }
  }
  return stage;
}

torch::Tensor ResNetImpl::forward(torch::Tensor x) {
  x = maxpool_->forward(relu_->forward(bn1_->forward(conv1_->forward(x))));
  x = layer4_->forward(layer3_->forward(layer2_->forward(layer1_->forward(x))));
  return fc_->forward(torch::flatten(avgpool_->forward(x), 1));
}

Chain ResNetImpl::Body() const { return Chain(conv1_, bn1_, relu_, maxpool_, layer1_, layer2_, layer3_, layer4_); }

ResNet MakeResnet(const ResnetSpec& spec, at::Generator& generator, int64_t numClasses) {
  ResNet net(spec, numClasses);
  torch::NoGradGuard noGrad;
  for (const auto& module : net->modules(/*include_self=*/false)) {
    if (auto* conv = module->as<nn::Conv2d>()) {
      KaimingNormal(conv->weight, FanOut(conv->weight), generator);
    } else if (auto* bn = module->as<nn::BatchNorm2d>()) {
      bn->weight.fill_(1);
      bn->bias.zero_();
    } else if (auto* linear = module->as<nn::Linear>()) {
      LinearDefault(linear->weight, linear->bias, generator);
    }
  }
  return net;
}

}  // namespace fasttune::models
