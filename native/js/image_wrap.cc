// SPDX-License-Identifier: Apache-2.0
#include "js/image_wrap.h"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "image/jpeg_base.h"
#include "image/resample.h"
#ifdef FASTTUNE_WITH_JPEG
#include <jpeglib.h>
#include <cstddef>  // jpeglib.h needs size_t first
#endif
#include "js/errors.h"
#include "js/worker.h"

namespace fasttune::js {

namespace {

using image::BaseSpec;
using image::Fit;
using image::RgbImage;

// An integer argument in [lo, hi]; `what` names it in the message.
int IntIn(const Napi::Value& v, int lo, int hi, const std::string& what) {
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1.0;
  if (!(d >= lo && d <= hi) || d != static_cast<int>(d)) {
    throw CodedError(kArg, what + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return static_cast<int>(d);
}

// A Buffer that takes over the image's pixels.
Napi::Buffer<uint8_t> PixelsToJs(Napi::Env env, RgbImage& image) {
  const size_t bytes = image.bytes();
  return Napi::Buffer<uint8_t>::New(env, image.pixels.release(), bytes,
                                    [](Napi::Env, uint8_t* owned) { delete[] owned; });
}

// { data: Buffer, width, height }.
Napi::Value ImageToJs(Napi::Env env, RgbImage& image) {
  auto out = Napi::Object::New(env);
  out.Set("width", image.width);
  out.Set("height", image.height);
  out.Set("data", PixelsToJs(env, image));
  return out;
}

// resampleWindow(pixels, width, height, [left, top, w, h], outWidth, outHeight) -> Promise<Buffer>:
// the window of an RGB image resized with Pillow's bilinear arithmetic, as PIL's
// `crop(box).resize(size, BILINEAR)` does it.
Napi::Value ResampleWindowJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 6 || !info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      throw CodedError(kArg, "resampleWindow(pixels: Uint8Array, width, height, window, outWidth, outHeight)");
    }
    const auto pixels = info[0].As<Napi::Uint8Array>();
    const int width = IntIn(info[1], 1, 1 << 20, "width");
    const int height = IntIn(info[2], 1, 1 << 20, "height");
    if (pixels.ElementLength() != static_cast<size_t>(width) * height * 3) {
      throw CodedError(kArg, "pixels must hold width × height × 3 bytes");
    }
    if (!info[3].IsArray() || info[3].As<Napi::Array>().Length() != 4)
      throw CodedError(kArg, "window must be [left, top, width, height]");
    const auto win = info[3].As<Napi::Array>();
    const int left = IntIn(win.Get(0u), 0, width - 1, "window left");
    const int top = IntIn(win.Get(1u), 0, height - 1, "window top");
    const int w = IntIn(win.Get(2u), 1, width - left, "window width");
    const int h = IntIn(win.Get(3u), 1, height - top, "window height");
    const int out_w = IntIn(info[4], 1, 1 << 16, "outWidth");
    const int out_h = IntIn(info[5], 1, 1 << 16, "outHeight");
    // Copied here (the baton rule).
    auto window = std::make_shared<RgbImage>(image::WindowRgbx(pixels.Data(), width, left, top, w, h));
    return Job<RgbImage>::Run(
        env,
        [window, out_w, out_h] {
          if (window->width == out_w && window->height == out_h) return image::PackRgb(std::move(*window));
          return image::ResampleBilinear(std::move(*window), out_w, out_h);
        },
        [](Napi::Env env, RgbImage& image) -> Napi::Value { return PixelsToJs(env, image); });
  });
}

#ifdef FASTTUNE_WITH_JPEG

int IntField(const Napi::Object& o, const char* key) {
  return IntIn(o.Get(key), 1, 1 << 20, std::string("spec.") + key);
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
    const double limit = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 0.0;
    if (!(limit >= 1)) throw CodedError(kArg, "maxPixels must be a number ≥ 1");
    const int64_t max_pixels = limit >= 9e18 ? INT64_MAX : static_cast<int64_t>(limit);
    return Job<std::optional<RgbImage>>::Run(
        env,
        [path, bytes = std::move(bytes), spec, max_pixels]() mutable {
          if (!path.empty()) bytes = ReadIfJpeg(path);
          return image::DecodeJpegBase(bytes, spec, max_pixels);
        },
        [](Napi::Env env, std::optional<RgbImage>& decoded) -> Napi::Value {
          if (!decoded) return env.Null();
          return ImageToJs(env, *decoded);
        });
  });
}

#endif

}  // namespace

std::string JpegLibrary() {
#if defined(FASTTUNE_WITH_JPEG) && defined(LIBJPEG_TURBO_VERSION_NUMBER)
  const int v = LIBJPEG_TURBO_VERSION_NUMBER;  // e.g. 2001005
  return "libjpeg-turbo " + std::to_string(v / 1000000) + "." + std::to_string(v / 1000 % 1000) + "." +
         std::to_string(v % 1000);
#elif defined(FASTTUNE_WITH_JPEG)
  return "libjpeg " + std::to_string(JPEG_LIB_VERSION);
#else
  return "";
#endif
}

// Without libjpeg the function is absent and the data pipeline decodes JPEGs with sharp.
void InitImage(Napi::Env env, Napi::Object exports) {
  exports.Set("resampleWindow", Napi::Function::New(env, ResampleWindowJs, "resampleWindow"));
#ifdef FASTTUNE_WITH_JPEG
  exports.Set("decodeJpegBase", Napi::Function::New(env, DecodeJpegBaseJs, "decodeJpegBase"));
#endif
}

}  // namespace fasttune::js
