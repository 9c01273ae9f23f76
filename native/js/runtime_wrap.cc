// SPDX-License-Identifier: Apache-2.0
#include "js/runtime_wrap.h"

#include "core/live_objects.h"
#include "core/runtime.h"
#include "js/addon_data.h"
#include "js/errors.h"
#include "js/image_wrap.h"

namespace fasttune::js {

namespace {

Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) {
    throw MakeError(env, {kArg, "setErrorClass expects a constructor"});
  }
  Data(env).errorClass = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

Napi::Value Versions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    const RuntimeInfo runtime = DescribeRuntime();
    auto out = Napi::Object::New(env);
    out.Set("libtorch", runtime.libtorchVersion);
    out.Set("cuda", runtime.cudaAvailable);
    out.Set("cudaBuild", runtime.cudaBuild);
    out.Set("cudnn", runtime.cudnnAvailable);
    out.Set("cudaDeviceCount", runtime.cudaDeviceCount);
    out.Set("threads", runtime.threads);
    out.Set("napi", Napi::Number::New(env, static_cast<double>(Napi::VersionManagement::GetNapiVersion(env))));
    out.Set("config", runtime.config);
    out.Set("jpeg", JpegLibrary());
    return out;
  });
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsNumber()) {
      throw CodedError(kArg, "setNumThreads expects a positive integer");
    }
    SetThreads(info[0].As<Napi::Number>().Int32Value());
    return env.Undefined();
  });
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), CurrentThreads()); }

// liveObjects() -> { models, jobs }: native objects not yet freed, process-wide.
Napi::Value LiveObjectsToJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const LiveObjects live = CurrentLiveObjects();
  auto out = Napi::Object::New(env);
  out.Set("models", Napi::Number::New(env, static_cast<double>(live.models)));
  out.Set("jobs", Napi::Number::New(env, static_cast<double>(live.jobs)));
  return out;
}

}  // namespace

void InitRuntime(Napi::Env env, Napi::Object exports) {
  InitThreads();
  exports.Set("setErrorClass", Napi::Function::New(env, SetErrorClass, "setErrorClass"));
  exports.Set("versions", Napi::Function::New(env, Versions, "versions"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads, "getNumThreads"));
  exports.Set("liveObjects", Napi::Function::New(env, LiveObjectsToJs, "liveObjects"));
}

}  // namespace fasttune::js
