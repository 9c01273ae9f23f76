// SPDX-License-Identifier: Apache-2.0
#include "js/image_wrap.h"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "image/jpeg_base.h"
#ifdef FASTTUNE_WITH_JPEG
#include <cstddef>  // jpeglib.h needs size_t first
#include <jpeglib.h>
#endif
#include "js/errors.h"
#include "js/worker.h"

namespace fasttune::js {

#ifdef FASTTUNE_WITH_JPEG
namespace {

using image::BaseSpec;
using image::Fit;
using image::RgbImage;

int IntField(const Napi::Object& o, const char* key) {
  const Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw CodedError(kArg, std::string("spec.") + key + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 1 && d <= 1 << 20) || d != static_cast<int>(d)) {
    throw CodedError(kArg, std::string("spec.") + key + " must be an integer from 1 to 2^20");
  }
  return static_cast<int>(d);
}

std::optional<BaseSpec> SpecFromJs(const Napi::Value& value) {
  if (value.IsNull() || value.IsUndefined()) return std::nullopt;
  if (!value.IsObject()) throw CodedError(kArg, "spec must be an object or null");
  const auto o = value.As<Napi::Object>();
  BaseSpec spec;
  spec.width = IntField(o, "width");
  spec.height = IntField(o, "height");
  const std::string fit = o.Get("fit").ToString().Utf8Value();
  if (fit == "outside") {
    spec.fit = Fit::kOutside;
  } else if (fit == "inside") {
    spec.fit = Fit::kInside;
  } else if (fit == "fill") {
    spec.fit = Fit::kFill;
  } else {
    throw CodedError(kArg, "spec.fit must be outside, inside or fill, got " + fit);
  }
  spec.without_enlargement = o.Get("withoutEnlargement").ToBoolean();
  return spec;
}

// The whole file when it starts like a JPEG; empty otherwise (also when it cannot be read: the
// general decoder then says why).
std::vector<uint8_t> ReadIfJpeg(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f) return {};
  uint8_t magic[3];
  if (std::fread(magic, 1, 3, f.get()) != 3 || !image::LooksLikeJpeg(magic, 3)) return {};
  if (std::fseek(f.get(), 0, SEEK_END) != 0) return {};
  const long size = std::ftell(f.get());
  if (size < 3 || std::fseek(f.get(), 0, SEEK_SET) != 0) return {};
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  if (std::fread(bytes.data(), 1, bytes.size(), f.get()) != bytes.size()) return {};
  return bytes;
}

// decodeJpegBase(path | bytes, spec | null, maxPixels)
//   -> Promise<{ data: Buffer, width, height } | null>; null leaves the input to sharp.
Napi::Value DecodeJpegBaseJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    std::string path;
    std::vector<uint8_t> bytes;
    if (info.Length() > 0 && info[0].IsString()) {
      path = info[0].As<Napi::String>().Utf8Value();
    } else if (info.Length() > 0 && info[0].IsTypedArray() &&
               info[0].As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
      const auto array = info[0].As<Napi::Uint8Array>();
      bytes.assign(array.Data(), array.Data() + array.ElementLength());
    } else {
      throw CodedError(kArg, "input must be a file path or a Uint8Array");
    }
    const std::optional<BaseSpec> spec = SpecFromJs(info.Length() > 1 ? info[1] : env.Null());
    if (info.Length() < 3 || !info[2].IsNumber()) throw CodedError(kArg, "maxPixels must be a number");
    const auto max_pixels = static_cast<int64_t>(info[2].As<Napi::Number>().DoubleValue());
    return Job<std::optional<RgbImage>>::Run(
        env,
        [path, bytes = std::move(bytes), spec, max_pixels]() mutable {
          if (!path.empty()) bytes = ReadIfJpeg(path);
          return image::DecodeJpegBase(bytes, spec, max_pixels);
        },
        [](Napi::Env env, std::optional<RgbImage>& decoded) -> Napi::Value {
          if (!decoded) return env.Null();
          const size_t bytes = decoded->bytes();
          uint8_t* pixels = decoded->pixels.release();
          auto out = Napi::Object::New(env);
          out.Set("data", Napi::Buffer<uint8_t>::New(env, pixels, bytes, [](Napi::Env, uint8_t* owned) { delete[] owned; }));
          out.Set("width", decoded->width);
          out.Set("height", decoded->height);
          return out;
        });
  });
}

}  // namespace
#endif

std::string JpegLibrary() {
#if defined(FASTTUNE_WITH_JPEG) && defined(LIBJPEG_TURBO_VERSION_NUMBER)
  const int v = LIBJPEG_TURBO_VERSION_NUMBER;  // e.g. 2001005
  return "libjpeg-turbo " + std::to_string(v / 1000000) + "." + std::to_string(v / 1000 % 1000) + "." + std::to_string(v % 1000);
#elif defined(FASTTUNE_WITH_JPEG)
  return "libjpeg " + std::to_string(JPEG_LIB_VERSION);
#else
  return "";
#endif
}

// Without libjpeg the function is absent and the data pipeline decodes JPEGs with sharp.
void InitImage(Napi::Env env, Napi::Object exports) {
#ifdef FASTTUNE_WITH_JPEG
  exports.Set("decodeJpegBase", Napi::Function::New(env, DecodeJpegBaseJs, "decodeJpegBase"));
#endif
}

}  // namespace fasttune::js
