// SPDX-License-Identifier: Apache-2.0
#include "js/weights_wrap.h"

#include "io/safetensors.h"
#include "io/weights.h"
#include "js/convert.h"
#include "js/errors.h"
#include "js/model_args.h"
#include "js/worker.h"

namespace fasttune::js {

namespace {

std::string StringArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsString()) throw CodedError(kArg, std::string(what) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

// readWeights(path) -> Promise<{ format, metadata, tensors: [{ name, dtype, shape, data }] }>
Napi::Value ReadWeightsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    const std::string path = StringArg(info, 0, "path");
    return Job<io::WeightsFile>::Run(
        env, [path] { return io::ReadWeights(path); },
        [](Napi::Env env, io::WeightsFile& file) -> Napi::Value {
          auto out = Napi::Object::New(env);
          out.Set("format", file.format);
          auto metadata = Napi::Object::New(env);
          for (const auto& [k, v] : file.metadata) metadata.Set(k, v);
          out.Set("metadata", metadata);
          auto tensors = Napi::Array::New(env, file.tensors.size());
          for (size_t i = 0; i < file.tensors.size(); ++i) {
            const io::NamedTensor& nt = file.tensors[i];
            auto entry = Napi::Object::New(env);
            entry.Set("name", nt.name);
            entry.Set("dtype", DtypeName(nt.tensor.scalar_type()));
            entry.Set("shape", ShapeToArray(env, nt.tensor.sizes()));
            entry.Set("data", TypedArrayFromTensor(env, nt.tensor));
            tensors.Set(static_cast<uint32_t>(i), entry);
          }
          out.Set("tensors", tensors);
          return out;
        });
  });
}

// writeWeights(path, [{ name, shape, data }], metadata) -> Promise<void>; safetensors, atomic.
Napi::Value WriteWeightsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    const std::string path = StringArg(info, 0, "path");
    io::NamedTensors tensors = NamedTensorsFromJs(info[1]);
    io::Metadata metadata;
    if (info.Length() > 2 && info[2].IsObject()) {
      const auto object = info[2].As<Napi::Object>();
      const Napi::Array keys = object.GetPropertyNames();
      for (uint32_t i = 0; i < keys.Length(); ++i) {
        const std::string key = keys.Get(i).As<Napi::String>().Utf8Value();
        const Napi::Value v = object.Get(key);
        if (!v.IsString()) throw CodedError(kArg, "metadata." + key + " must be a string");
        metadata[key] = v.As<Napi::String>().Utf8Value();
      }
    }
    return Job<bool>::Run(
        env,
        [path, tensors = std::move(tensors), metadata = std::move(metadata)] {
          io::WriteSafetensors(path, tensors, metadata);
          return true;
        },
        [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
  });
}

}  // namespace

void InitWeights(Napi::Env env, Napi::Object exports) {
  exports.Set("readWeights", Napi::Function::New(env, ReadWeightsJs, "readWeights"));
  exports.Set("writeWeights", Napi::Function::New(env, WriteWeightsJs, "writeWeights"));
}

}  // namespace fasttune::js
