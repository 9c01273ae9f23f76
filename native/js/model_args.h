// SPDX-License-Identifier: Apache-2.0
// Unpacks the model's JS arguments into plain C++ values on the JS thread (the baton rule: jobs
// never touch a Napi value). The TS layer has already checked them and says what was wrong;
// these checks only keep a malformed call from reaching LibTorch.
#pragma once

#include <vector>

#include <napi.h>

#include "io/weights.h"
#include "train/vision_model.h"

namespace fasttune::js {

train::VisionModelOptions ModelOptionsFromJs(const Napi::Value& value);

// { images: Uint8Array, shape: [n, h, w, 3], labels: Int32Array, targets?: Float32Array,
// augment?: AugmentParams, mix?: { shuffle, lam, box? } (with labels only) }, copied.
train::Batch BatchFromJs(const Napi::Value& value, bool withLabels);

// An optional AugmentParams for n images of h x w (undefined or null: none), copied.
std::optional<train::AugmentParams> OptionalAugmentFromJs(const Napi::Value& value, const torch::Tensor& images);

// { loss: { kind, labelSmoothing, weight, gamma }, optimizer, wdBnBias, trainBn }.
train::ModelSettings ModelSettingsFromJs(const Napi::Value& value);

// Uint8Array pixels and their [n, h, w, 3] shape, copied.
torch::Tensor ImagesFromJs(const Napi::Value& images, const Napi::Value& shape);

// { lossFactor, clipNorm } (undefined: plain step).
train::StepOptions StepOptionsFromJs(const Napi::Value& value);

std::vector<train::Hypers> HypersFromJs(const Napi::Value& value);

std::optional<train::GradScalerOptions> GradScalerFromJs(const Napi::Value& value);

io::Metadata MetadataFromJs(const Napi::Value& value);

// [{ name, dtype, shape, data }], as readWeights returns tensors.
Napi::Array NamedTensorsToJs(Napi::Env env, const io::NamedTensors& tensors);

// [{ name, shape, data }] (data a typed array), copied; the inverse of NamedTensorsToJs.
io::NamedTensors NamedTensorsFromJs(const Napi::Value& value);

}  // namespace fasttune::js
