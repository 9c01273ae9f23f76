// SPDX-License-Identifier: Apache-2.0
#include "js/augment_wrap.h"

#include <string>
#include <vector>

#include <torch/cuda.h>

#include "js/convert.h"
#include "js/errors.h"
#include "js/worker.h"

namespace fasttune::js {

namespace {

// An optional Float32Array of exactly `count` values, copied into a tensor of `shape`.
torch::Tensor OptionalFloats(const Napi::Object& params, const char* key, const std::vector<int64_t>& shape) {
  const Napi::Value value = params.Get(key);
  if (value.IsUndefined()) return {};
  const std::string what = std::string("augment.") + key;
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw CodedError(kArg, what + " must be a Float32Array");
  }
  return TensorFromTypedArray(value.As<Napi::TypedArray>(), shape, what);
}

template <typename Enum>
Enum Choice(const Napi::Object& params, const char* key, Enum fallback,
            const std::vector<std::pair<const char*, Enum>>& choices) {
  const Napi::Value value = params.Get(key);
  if (value.IsUndefined()) return fallback;
  if (value.IsString()) {
    const std::string s = value.As<Napi::String>().Utf8Value();
    for (const auto& [name, e] : choices) {
      if (s == name) return e;
    }
  }
  throw CodedError(kArg, std::string("augment.") + key + " is not one of the supported values");
}

torch::Device DeviceFrom(const Napi::Value& value) {
  if (value.IsUndefined()) return torch::kCPU;
  if (!value.IsString()) throw CodedError(kArg, "device must be a string such as 'cpu' or 'cuda:0'");
  const std::string name = value.As<Napi::String>().Utf8Value();
  if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  try {
    return torch::Device(name);
  } catch (const c10::Error&) {
    throw CodedError(kArg, "device '" + name + "' is not a device name such as 'cpu', 'cuda' or 'cuda:1'");
  }
}

struct Augmented {
  torch::Tensor pixels;  // uint8 NHWC
  torch::Tensor values;  // float NCHW, when asked for
};

// augmentBatch(images: Uint8Array, shape: [n, h, w, c], params?: AugmentParams,
//              options?: { device?: string, float?: boolean })
//   -> Promise<{ images: Uint8Array, shape: [n, h', w', c], float?: Float32Array }>
Napi::Value AugmentBatchJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 2 || !info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      throw CodedError(kArg, "augmentBatch: images must be a Uint8Array");
    }
    const std::vector<int64_t> shape = ShapeFromArray(info[1], "augmentBatch: shape");
    if (shape.size() != 4 || shape[0] < 1 || shape[1] < 1 || shape[2] < 1 || shape[3] < 1) {
      throw CodedError(kArg, "augmentBatch: shape must be [n, height, width, channels] of positive integers");
    }
    const torch::Tensor images = TensorFromTypedArray(info[0].As<Napi::TypedArray>(), shape, "augmentBatch: images");
    train::AugmentParams params =
        AugmentParamsFromJs(info.Length() > 2 ? info[2] : env.Undefined(), shape[0], shape[1], shape[2]);
    const Napi::Object options =
        info.Length() > 3 && info[3].IsObject() ? info[3].As<Napi::Object>() : Napi::Object::New(env);
    const torch::Device device = DeviceFrom(options.Get("device"));
    const bool wantFloat = options.Get("float").ToBoolean().Value();
    return Job<Augmented>::Run(
        env,
        [images, params, device, wantFloat]() {
          // fastai's IntToFloatTensor: uint8 → float, ÷ 255.
          const torch::Tensor x = images.to(device).permute({0, 3, 1, 2}).contiguous().to(torch::kFloat32).div(255);
          const torch::Tensor out = train::Augment(x, params);
          Augmented result;
          result.pixels = out.mul(255).round().clamp(0, 255).to(torch::kUInt8).permute({0, 2, 3, 1}).contiguous().cpu();
          if (wantFloat) result.values = out.contiguous().cpu();
          return result;
        },
        [](Napi::Env env, Augmented& result) -> Napi::Value {
          auto out = Napi::Object::New(env);
          out.Set("images", TypedArrayFromTensor(env, result.pixels));
          out.Set("shape", ShapeToArray(env, result.pixels.sizes()));
          if (result.values.defined()) out.Set("float", TypedArrayFromTensor(env, result.values));
          return out;
        });
  });
}

}  // namespace

train::AugmentParams AugmentParamsFromJs(const Napi::Value& value, int64_t n, int64_t height, int64_t width) {
  train::AugmentParams params;
  params.height = height;
  params.width = width;
  if (value.IsUndefined() || value.IsNull()) return params;
  if (!value.IsObject()) throw CodedError(kArg, "augment must be an object of augmentation parameters");
  const auto object = value.As<Napi::Object>();
  const std::vector<int64_t> size = ShapeFromArray(object.Get("size"), "augment.size");
  if (size.size() != 2 || size[0] < 1 || size[1] < 1)
    throw CodedError(kArg, "augment.size must be [height, width] of positive integers");
  params.height = size[0];
  params.width = size[1];
  params.affine = OptionalFloats(object, "affine", {n, 3, 3});
  params.warp = OptionalFloats(object, "warp", {n, 8});
  params.brightness = OptionalFloats(object, "brightness", {n});
  params.contrast = OptionalFloats(object, "contrast", {n});
  params.mode = Choice(object, "mode", train::Resample::kBilinear,
                       {{"bilinear", train::Resample::kBilinear},
                        {"nearest", train::Resample::kNearest},
                        {"bicubic", train::Resample::kBicubic}});
  params.padding = Choice(object, "padMode", train::Padding::kReflection,
                          {{"reflection", train::Padding::kReflection},
                           {"zeros", train::Padding::kZeros},
                           {"border", train::Padding::kBorder}});
  const Napi::Value align = object.Get("alignCorners");
  if (!align.IsUndefined()) {
    if (!align.IsBoolean()) throw CodedError(kArg, "augment.alignCorners must be a boolean");
    params.alignCorners = align.As<Napi::Boolean>().Value();
  }
  return params;
}

void InitAugment(Napi::Env env, Napi::Object exports) {
  exports.Set("augmentBatch", Napi::Function::New(env, AugmentBatchJs, "augmentBatch"));
}

}  // namespace fasttune::js
