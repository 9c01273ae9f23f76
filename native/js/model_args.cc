// SPDX-License-Identifier: Apache-2.0
#include "js/model_args.h"

#include <cmath>

#include "js/augment_wrap.h"
#include "js/convert.h"
#include "js/errors.h"

namespace fasttune::js {

namespace {

Napi::Object ObjectArg(const Napi::Value& value, const std::string& what) {
  if (!value.IsObject()) throw CodedError(kArg, what + " must be an object");
  return value.As<Napi::Object>();
}

double Number(const Napi::Object& o, const char* key, const std::string& what) {
  const Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw CodedError(kArg, what + "." + key + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

int64_t Integer(const Napi::Object& o, const char* key, const std::string& what) {
  const double v = Number(o, key, what);
  if (v != std::floor(v) || std::abs(v) > 9007199254740991.0)
    throw CodedError(kArg, what + "." + key + " must be an integer");
  return static_cast<int64_t>(v);
}

bool Bool(const Napi::Object& o, const char* key, const std::string& what) {
  const Napi::Value v = o.Get(key);
  if (!v.IsBoolean()) throw CodedError(kArg, what + "." + key + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::string String(const Napi::Object& o, const char* key, const std::string& what) {
  const Napi::Value v = o.Get(key);
  if (!v.IsString()) throw CodedError(kArg, what + "." + key + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

std::array<double, 3> Triple(const Napi::Object& o, const char* key, const std::string& what) {
  const Napi::Value v = o.Get(key);
  if (!v.IsArray() || v.As<Napi::Array>().Length() != 3)
    throw CodedError(kArg, what + "." + key + " must be an array of 3 numbers");
  std::array<double, 3> out{};
  for (uint32_t i = 0; i < 3; ++i) {
    const Napi::Value x = v.As<Napi::Array>().Get(i);
    if (!x.IsNumber()) throw CodedError(kArg, what + "." + key + " must be an array of 3 numbers");
    out[i] = x.As<Napi::Number>().DoubleValue();
  }
  return out;
}

// [{ type, ... }]: the head's layers as src/model/head.ts describes them.
std::vector<models::HeadLayer> HeadFromJs(const Napi::Value& value) {
  if (!value.IsArray()) throw CodedError(kArg, "options.head must be an array of layers");
  const auto array = value.As<Napi::Array>();
  std::vector<models::HeadLayer> layers;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    const std::string what = "options.head[" + std::to_string(i) + "]";
    const Napi::Object o = ObjectArg(array.Get(i), what);
    models::HeadLayer layer;
    layer.kind = models::ParseHeadLayerKind(String(o, "type", what));
    switch (layer.kind) {
      case models::HeadLayerKind::kBatchNorm:
        layer.out = Integer(o, "features", what);
        layer.momentum = Number(o, "momentum", what);
        layer.biasInit = Number(o, "biasInit", what);
        break;
      case models::HeadLayerKind::kDropout: layer.p = Number(o, "p", what); break;
      case models::HeadLayerKind::kLinear:
        layer.in = Integer(o, "inFeatures", what);
        layer.out = Integer(o, "outFeatures", what);
        layer.bias = Bool(o, "bias", what);
        break;
      default: break;
    }
    layers.push_back(layer);
  }
  return layers;
}

// { kind, labelSmoothing, weight: number[] | null, gamma }.
train::LossSpec LossSpecFromJs(const Napi::Value& value) {
  const std::string what = "settings.loss";
  const Napi::Object o = ObjectArg(value, what);
  train::LossSpec loss;
  loss.kind = train::ParseLossKind(String(o, "kind", what));
  loss.labelSmoothing = Number(o, "labelSmoothing", what);
  loss.gamma = Number(o, "gamma", what);
  const Napi::Value weight = o.Get("weight");
  if (!weight.IsNull() && !weight.IsUndefined()) {
    if (!weight.IsArray()) throw CodedError(kArg, what + ".weight must be an array of numbers");
    const auto array = weight.As<Napi::Array>();
    for (uint32_t i = 0; i < array.Length(); ++i) {
      const Napi::Value w = array.Get(i);
      if (!w.IsNumber()) throw CodedError(kArg, what + ".weight must be an array of numbers");
      loss.weight.push_back(w.As<Napi::Number>().DoubleValue());
    }
  }
  return loss;
}

// { shuffle: Int32Array, lam: Float32Array, box?: [x1, y1, x2, y2] } for n images (undefined or
// null: no mix), copied and checked.
std::optional<train::MixParams> OptionalMixFromJs(const Napi::Value& value, int64_t n) {
  if (value.IsUndefined() || value.IsNull()) return std::nullopt;
  const Napi::Object o = ObjectArg(value, "batch.mix");
  const Napi::Value shuffle = o.Get("shuffle");
  const Napi::Value lam = o.Get("lam");
  if (!shuffle.IsTypedArray() || shuffle.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw CodedError(kArg, "batch.mix.shuffle must be an Int32Array");
  if (!lam.IsTypedArray() || lam.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw CodedError(kArg, "batch.mix.lam must be a Float32Array");
  const auto length = [](const Napi::Value& v) {
    return static_cast<int64_t>(v.As<Napi::TypedArray>().ElementLength());
  };
  train::MixParams mix;
  mix.shuffle =
      TensorFromTypedArray(shuffle.As<Napi::TypedArray>(), {length(shuffle)}, "batch.mix.shuffle").to(torch::kInt64);
  mix.lam = TensorFromTypedArray(lam.As<Napi::TypedArray>(), {length(lam)}, "batch.mix.lam");
  const Napi::Value box = o.Get("box");
  if (!box.IsUndefined() && !box.IsNull()) {
    if (!box.IsArray() || box.As<Napi::Array>().Length() != 4)
      throw CodedError(kArg, "batch.mix.box must be [x1, y1, x2, y2]");
    std::array<int64_t, 4> corners{};
    for (uint32_t i = 0; i < 4; ++i) {
      const Napi::Value c = box.As<Napi::Array>().Get(i);
      const double v = c.IsNumber() ? c.As<Napi::Number>().DoubleValue() : NAN;
      if (!(v == std::floor(v) && std::abs(v) < 1e9)) throw CodedError(kArg, "batch.mix.box must hold 4 integers");
      corners[i] = static_cast<int64_t>(v);
    }
    mix.box = corners;
  }
  train::CheckMix(mix, n);
  return mix;
}

}  // namespace

train::StepOptions StepOptionsFromJs(const Napi::Value& value) {
  train::StepOptions step;
  if (value.IsUndefined() || value.IsNull()) return step;
  const Napi::Object o = ObjectArg(value, "step");
  step.lossFactor = Number(o, "lossFactor", "step");
  step.clipNorm = Number(o, "clipNorm", "step");
  if (!(step.lossFactor > 0) || !(step.clipNorm >= 0))
    throw CodedError(kArg, "step.lossFactor must be > 0 and step.clipNorm ≥ 0");
  return step;
}

std::optional<train::GradScalerOptions> GradScalerFromJs(const Napi::Value& value) {
  if (value.IsNull() || value.IsUndefined()) return std::nullopt;
  const Napi::Object o = ObjectArg(value, "gradScaler");
  train::GradScalerOptions scaler;
  scaler.initScale = Number(o, "initScale", "gradScaler");
  scaler.growthFactor = Number(o, "growthFactor", "gradScaler");
  scaler.backoffFactor = Number(o, "backoffFactor", "gradScaler");
  scaler.growthInterval = Integer(o, "growthInterval", "gradScaler");
  return scaler;
}

train::VisionModelOptions ModelOptionsFromJs(const Napi::Value& value) {
  const std::string what = "options";
  const Napi::Object o = ObjectArg(value, what);
  train::VisionModelOptions options;
  options.arch = String(o, "arch", what);
  options.nOut = Integer(o, "nOut", what);
  options.device = String(o, "device", what);
  options.trainBn = Bool(o, "trainBn", what);
  options.wdBnBias = Bool(o, "wdBnBias", what);
  options.optimizer = train::ParseOptimizerKind(String(o, "optimizer", what));
  const Napi::Value normalize = o.Get("normalize");
  if (normalize.IsNull()) {
    options.normalization.enabled = false;
  } else {
    const Napi::Object stats = ObjectArg(normalize, "options.normalize");
    options.normalization.mean = Triple(stats, "mean", "options.normalize");
    options.normalization.std = Triple(stats, "std", "options.normalize");
  }
  options.labelSmoothing = Number(o, "labelSmoothing", what);
  options.ps = Number(o, "ps", what);
  const Napi::Value head = o.Get("head");
  if (!head.IsUndefined() && !head.IsNull()) options.head = HeadFromJs(head);
  const Napi::Value cut = o.Get("cut");
  if (!cut.IsUndefined() && !cut.IsNull()) options.cut = Integer(o, "cut", what);
  const Napi::Value yRange = o.Get("yRange");
  if (!yRange.IsUndefined() && !yRange.IsNull()) {
    if (!yRange.IsArray() || yRange.As<Napi::Array>().Length() != 2)
      throw CodedError(kArg, "options.yRange must be [low, high]");
    const Napi::Value low = yRange.As<Napi::Array>().Get(0u);
    const Napi::Value high = yRange.As<Napi::Array>().Get(1u);
    if (!low.IsNumber() || !high.IsNumber()) throw CodedError(kArg, "options.yRange must be [low, high]");
    options.yRange = std::array<double, 2>{low.As<Napi::Number>().DoubleValue(), high.As<Napi::Number>().DoubleValue()};
  }
  options.precision = train::ParsePrecision(String(o, "precision", what));
  options.gradScaler = GradScalerFromJs(o.Get("gradScaler"));
  options.channelsLast = Bool(o, "channelsLast", what);
  if (o.Has("foldBn")) options.foldBn = Bool(o, "foldBn", what);
  const int64_t seed = Integer(o, "seed", what);
  if (seed < 0) throw CodedError(kArg, "options.seed must be a non-negative integer");
  options.seed = static_cast<uint64_t>(seed);
  return options;
}

torch::Tensor ImagesFromJs(const Napi::Value& images, const Napi::Value& shape) {
  if (!images.IsTypedArray() || images.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw CodedError(kArg, "images must be a Uint8Array");
  }
  const std::vector<int64_t> dims = ShapeFromArray(shape, "images");
  if (dims.size() != 4 || dims[3] != 3) throw CodedError(kArg, "images: shape must be [n, height, width, 3]");
  return TensorFromTypedArray(images.As<Napi::TypedArray>(), dims, "images");
}

std::optional<train::AugmentParams> OptionalAugmentFromJs(const Napi::Value& value, const torch::Tensor& images) {
  if (value.IsUndefined() || value.IsNull()) return std::nullopt;
  return AugmentParamsFromJs(value, images.size(0), images.size(1), images.size(2));
}

train::ModelSettings ModelSettingsFromJs(const Napi::Value& value) {
  const std::string what = "settings";
  const Napi::Object o = ObjectArg(value, what);
  train::ModelSettings settings;
  settings.loss = LossSpecFromJs(o.Get("loss"));
  settings.optimizer = train::ParseOptimizerKind(String(o, "optimizer", what));
  settings.wdBnBias = Bool(o, "wdBnBias", what);
  settings.trainBn = Bool(o, "trainBn", what);
  return settings;
}

train::Batch BatchFromJs(const Napi::Value& value, bool withLabels) {
  const Napi::Object o = ObjectArg(value, "batch");
  train::Batch batch;
  batch.images = ImagesFromJs(o.Get("images"), o.Get("shape"));
  batch.augment = OptionalAugmentFromJs(o.Get("augment"), batch.images);
  if (!withLabels) return batch;
  const Napi::Value targets = o.Get("targets");
  if (!targets.IsUndefined() && !targets.IsNull()) {
    if (!targets.IsTypedArray() || targets.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      throw CodedError(kArg, "batch.targets must be a Float32Array");
    }
    const auto array = targets.As<Napi::TypedArray>();
    batch.targets = TensorFromTypedArray(array, {static_cast<int64_t>(array.ElementLength())}, "batch.targets");
  }
  const Napi::Value labels = o.Get("labels");
  if (!labels.IsTypedArray() || labels.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw CodedError(kArg, "batch.labels must be an Int32Array");
  }
  const auto array = labels.As<Napi::TypedArray>();
  batch.labels = TensorFromTypedArray(array, {static_cast<int64_t>(array.ElementLength())}, "batch.labels");
  batch.mix = OptionalMixFromJs(o.Get("mix"), batch.images.size(0));
  return batch;
}

std::vector<train::Hypers> HypersFromJs(const Napi::Value& value) {
  if (!value.IsArray()) throw CodedError(kArg, "hypers must be an array with one entry per parameter group");
  const auto array = value.As<Napi::Array>();
  std::vector<train::Hypers> hypers;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    const std::string what = "hypers[" + std::to_string(i) + "]";
    const Napi::Object o = ObjectArg(array.Get(i), what);
    hypers.push_back({Number(o, "lr", what), Number(o, "mom", what), Number(o, "sqrMom", what), Number(o, "eps", what),
                      Number(o, "wd", what)});
  }
  return hypers;
}

io::Metadata MetadataFromJs(const Napi::Value& value) {
  io::Metadata metadata;
  if (value.IsUndefined() || value.IsNull()) return metadata;
  const Napi::Object o = ObjectArg(value, "metadata");
  const Napi::Array keys = o.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    const std::string key = keys.Get(i).As<Napi::String>().Utf8Value();
    const Napi::Value v = o.Get(key);
    if (!v.IsString()) throw CodedError(kArg, "metadata." + key + " must be a string");
    metadata[key] = v.As<Napi::String>().Utf8Value();
  }
  return metadata;
}

Napi::Array NamedTensorsToJs(Napi::Env env, const io::NamedTensors& tensors) {
  auto out = Napi::Array::New(env, tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    auto entry = Napi::Object::New(env);
    entry.Set("name", tensors[i].name);
    entry.Set("dtype", DtypeName(tensors[i].tensor.scalar_type()));
    entry.Set("shape", ShapeToArray(env, tensors[i].tensor.sizes()));
    entry.Set("data", TypedArrayFromTensor(env, tensors[i].tensor));
    out.Set(static_cast<uint32_t>(i), entry);
  }
  return out;
}

io::NamedTensors NamedTensorsFromJs(const Napi::Value& value) {
  if (!value.IsArray()) throw CodedError(kArg, "tensors must be an array");
  io::NamedTensors tensors;
  const auto list = value.As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); ++i) {
    const Napi::Object entry = ObjectArg(list.Get(i), "tensors[" + std::to_string(i) + "]");
    const Napi::Value name = entry.Get("name");
    const Napi::Value data = entry.Get("data");
    if (!name.IsString()) throw CodedError(kArg, "tensors[" + std::to_string(i) + "].name must be a string");
    const std::string what = "tensor '" + name.As<Napi::String>().Utf8Value() + "'";
    if (!data.IsTypedArray()) throw CodedError(kArg, what + ": data must be a typed array");
    tensors.push_back(
        {name.As<Napi::String>().Utf8Value(),
         TensorFromTypedArray(data.As<Napi::TypedArray>(), ShapeFromArray(entry.Get("shape"), what), what)});
  }
  return tensors;
}

}  // namespace fasttune::js
