// SPDX-License-Identifier: Apache-2.0
#include "models/folded_net.h"

#include <map>
#include <string>

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include "core/error.h"
#include "models/head.h"

namespace fasttune::models {

namespace {

namespace nn = torch::nn;
using ModulePtr = std::shared_ptr<nn::Module>;

template <typename Impl>
const Impl& As(const ModulePtr& module, const char* what) {
  const Impl* impl = module ? module->as<Impl>() : nullptr;
  if (impl == nullptr)
    throw CodedError(kNative, std::string("folding BatchNorm: unexpected module where a ") + what + " should be");
  return *impl;
}

// A BatchNorm in eval mode as y = x * scale + shift, per channel, in double.
struct Affine {
  torch::Tensor scale, shift;
};

Affine BatchNormAffine(const torch::Tensor& weight, const torch::Tensor& bias, const torch::Tensor& mean,
                       const torch::Tensor& var, double eps) {
  const torch::Tensor scale = weight.to(torch::kDouble) / (var.to(torch::kDouble) + eps).sqrt();
  return {scale, bias.to(torch::kDouble) - mean.to(torch::kDouble) * scale};
}

template <typename BatchNorm>
Affine BatchNormAffine(const BatchNorm& bn) {
  return BatchNormAffine(bn.weight, bn.bias, bn.running_mean, bn.running_var, bn.options.eps());
}

// Convolution followed by BatchNorm (ResNet's convolutions pad by half their kernel).
FoldedConv FoldConv(const nn::Conv2dImpl& conv, const nn::BatchNorm2dImpl& bn, torch::MemoryFormat format) {
  const Affine a = BatchNormAffine(bn);
  const torch::Tensor& w = conv.weight;
  return {(w.to(torch::kDouble) * a.scale.view({-1, 1, 1, 1})).to(w.scalar_type()).contiguous(format),
          a.shift.to(w.scalar_type()), (*conv.options.stride())[0], w.size(2) / 2};
}

// BatchNorm followed by a Linear without bias: one Linear with bias.
std::pair<torch::Tensor, torch::Tensor> FoldLinear(const nn::BatchNorm1dImpl& bn, const nn::LinearImpl& linear) {
  const Affine a = BatchNormAffine(bn);
  const torch::Tensor w = linear.weight.to(torch::kDouble);
  torch::Tensor bias = w.matmul(a.shift);
  if (linear.bias.defined()) bias += linear.bias.to(torch::kDouble);
  const auto dtype = linear.weight.scalar_type();
  return {(w * a.scale.view({1, -1})).to(dtype).contiguous(), bias.to(dtype)};
}

FoldedBlock FoldBlock(const nn::Module& block, torch::MemoryFormat format) {
  std::map<std::string, ModulePtr> parts;
  for (const auto& child : block.named_children()) parts[child.key()] = child.value();
  FoldedBlock folded;
  for (const std::string i : {"1", "2", "3"}) {
    if (!parts.count("conv" + i)) break;
    folded.convs.push_back(FoldConv(As<nn::Conv2dImpl>(parts["conv" + i], "conv"),
                                    As<nn::BatchNorm2dImpl>(parts["bn" + i], "BatchNorm"), format));
  }
  if (folded.convs.size() < 2)
    throw CodedError(kNative, "folding BatchNorm: a residual block without its convolutions");
  if (parts.count("downsample")) {
    const std::vector<ModulePtr> down = parts["downsample"]->children();
    folded.downsample =
        FoldConv(As<nn::Conv2dImpl>(down.at(0), "conv"), As<nn::BatchNorm2dImpl>(down.at(1), "BatchNorm"), format);
  }
  return folded;
}

torch::Tensor Conv(const torch::Tensor& x, const FoldedConv& c) {
  if (x.is_mkldnn())
    return at::mkldnn_convolution(x, c.weight, c.bias, {c.padding, c.padding}, {c.stride, c.stride}, {1, 1}, 1);
  return torch::conv2d(x, c.weight, c.bias, c.stride, c.padding);
}

// oneDNN's own layout: weights reordered once for its convolution, activations kept in its
// blocked layout from the first convolution to the last (no reorder in between).
void ToMkldnn(FoldedConv& c) {
  c.weight = at::mkldnn_reorder_conv2d_weight(c.weight.contiguous().to_mkldnn(), {c.padding, c.padding},
                                              {c.stride, c.stride}, {1, 1}, 1);
  c.bias = c.bias.to_mkldnn();
}

template <typename Impl>
bool Is(const ModulePtr& module) {
  return module->as<Impl>() != nullptr;
}

// Whether `head` is fastai's default: concat pool, flatten, BN, dropout, linear, ReLU, BN, dropout, linear.
bool IsDefaultHead(const std::vector<ModulePtr>& head) {
  return head.size() == 9 && Is<AdaptiveConcatPool2dImpl>(head[0]) && Is<nn::FlattenImpl>(head[1]) &&
         Is<nn::BatchNorm1dImpl>(head[2]) && Is<SeededDropoutImpl>(head[3]) && Is<nn::LinearImpl>(head[4]) &&
         Is<nn::ReLUImpl>(head[5]) && Is<nn::BatchNorm1dImpl>(head[6]) && Is<SeededDropoutImpl>(head[7]) &&
         Is<nn::LinearImpl>(head[8]);
}

}  // namespace

// The layout is VisionNet's: Sequential(body, head) with body = conv1, bn1, relu, maxpool,
// layer1..layer4 (of BasicBlocks or Bottlenecks) and any head.
FoldedNet::FoldedNet(const VisionNet& net, torch::MemoryFormat format) {
  torch::NoGradGuard noGrad;
  const std::vector<ModulePtr> top = net.net->children();
  const std::vector<ModulePtr> body = top.at(0)->children();
  const std::vector<ModulePtr> head = top.at(1)->children();
  if (body.size() != 8) throw CodedError(kNative, "folding BatchNorm: unexpected model layout");
  stem_ = FoldConv(As<nn::Conv2dImpl>(body[0], "conv"), As<nn::BatchNorm2dImpl>(body[1], "BatchNorm"), format);
  const auto& pool = As<nn::MaxPool2dImpl>(body[3], "max pool").options;
  pool_ = {(*pool.kernel_size())[0], (*pool.stride())[0], (*pool.padding())[0]};  // kernel, stride, padding
  for (size_t stage = 4; stage < body.size(); ++stage) {
    for (const ModulePtr& block : body[stage]->children()) blocks_.push_back(FoldBlock(*block, format));
  }
  if (IsDefaultHead(head)) {
    std::tie(hiddenWeight_, hiddenBias_) =
        FoldLinear(As<nn::BatchNorm1dImpl>(head[2], "BatchNorm"), As<nn::LinearImpl>(head[4], "linear"));
    std::tie(outWeight_, outBias_) =
        FoldLinear(As<nn::BatchNorm1dImpl>(head[6], "BatchNorm"), As<nn::LinearImpl>(head[8], "linear"));
  } else {
    head_ = Chain(std::dynamic_pointer_cast<ChainImpl>(top.at(1)));
  }
  mkldnn_ = stem_.weight.device().is_cpu() && stem_.weight.scalar_type() == torch::kFloat32 && at::hasMKLDNN() &&
            at::globalContext().userEnabledMkldnn();
  if (mkldnn_) {
    ToMkldnn(stem_);
    for (FoldedBlock& b : blocks_) {
      for (FoldedConv& c : b.convs) ToMkldnn(c);
      if (b.downsample) ToMkldnn(*b.downsample);
    }
  }
}

torch::Tensor FoldedNet::Forward(const torch::Tensor& x) const {
  // max and ReLU commute: pooling first leaves a quarter of the values to the ReLU.
  torch::Tensor h = Conv(mkldnn_ ? x.to_mkldnn() : x, stem_);
  h = torch::max_pool2d(h, pool_[0], pool_[1], pool_[2]).relu_();
  for (const FoldedBlock& block : blocks_) {
    torch::Tensor out = h;
    for (size_t i = 0; i < block.convs.size(); ++i) {
      out = Conv(out, block.convs[i]);
      if (i + 1 < block.convs.size()) out.relu_();
    }
    out += block.downsample ? Conv(h, *block.downsample) : h;
    h = out.relu_();
  }
  if (mkldnn_) h = h.to_dense();
  if (head_) return head_->forward(h);
  const torch::Tensor pooled =
      torch::cat({std::get<0>(torch::adaptive_max_pool2d(h, {1, 1})), torch::adaptive_avg_pool2d(h, {1, 1})}, 1)
          .flatten(1);
  return torch::linear(torch::linear(pooled, hiddenWeight_, hiddenBias_).relu_(), outWeight_, outBias_);
}

}  // namespace fasttune::models
