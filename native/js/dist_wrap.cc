// SPDX-License-Identifier: Apache-2.0
#include "js/dist_wrap.h"

#include "js/addon_data.h"
#include "js/convert.h"
#include "js/errors.h"

namespace fasttune::js {

namespace {

constexpr napi_type_tag kGroupTag = {0x6661737474756e65ull, 0x70726f6367726f70ull};

using GroupHolder = std::shared_ptr<dist::ProcessGroup>;

int IntField(const Napi::Object& o, const char* key, int fallback) {
  const Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) throw CodedError(kArg, std::string("createProcessGroup: ") + key + " must be a number");
  return v.As<Napi::Number>().Int32Value();
}

// createProcessGroup({ rank, worldSize, masterAddr, masterPort, timeoutMs }) -> Promise<group>;
// the rendezvous blocks until every rank joined (or the timeout passed).
Napi::Value CreateProcessGroup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsObject())
      throw CodedError(kArg, "createProcessGroup expects an options object");
    const auto o = info[0].As<Napi::Object>();
    dist::GroupOptions options;
    options.rank = IntField(o, "rank", 0);
    options.worldSize = IntField(o, "worldSize", 1);
    options.masterPort = IntField(o, "masterPort", options.masterPort);
    options.timeout = std::chrono::milliseconds(IntField(o, "timeoutMs", static_cast<int>(options.timeout.count())));
    if (o.Get("masterAddr").IsString()) options.masterAddr = o.Get("masterAddr").As<Napi::String>().Utf8Value();
    return Job<GroupHolder>::Run(
        env, [options] { return std::make_shared<dist::ProcessGroup>(options); },
        [](Napi::Env env, GroupHolder& group) -> Napi::Value {
          return Data(env).groupClass.New({Napi::External<GroupHolder>::New(env, &group)});
        });
  });
}

}  // namespace

void GroupWrap::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = DefineClass(env, "ProcessGroup",
                                   {
                                       InstanceAccessor<&GroupWrap::Rank>("rank"),
                                       InstanceAccessor<&GroupWrap::WorldSize>("worldSize"),
                                       InstanceMethod<&GroupWrap::Barrier>("barrier"),
                                       InstanceMethod<&GroupWrap::AllGather>("allGather"),
                                       InstanceMethod<&GroupWrap::Close>("close"),
                                   });
  Data(env).groupClass = Napi::Persistent(cls);
  exports.Set("createProcessGroup", Napi::Function::New(env, CreateProcessGroup, "createProcessGroup"));
}

GroupWrap::GroupWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<GroupWrap>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw MakeError(info.Env(), {kArg, "ProcessGroup objects are made by createProcessGroup()"});
  }
  group_ = std::move(*info[0].As<Napi::External<GroupHolder>>().Data());
  info.This().As<Napi::Object>().TypeTag(&kGroupTag);
}

std::shared_ptr<dist::ProcessGroup> GroupWrap::FromJs(const Napi::Value& value, const char* where) {
  if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&kGroupTag)) {
    throw CodedError(kArg, std::string(where) + " expects a ProcessGroup from createProcessGroup()");
  }
  return Unwrap(value.As<Napi::Object>())->Alive(value.Env());
}

std::shared_ptr<dist::ProcessGroup> GroupWrap::Alive(Napi::Env env) const {
  if (!group_) throw MakeError(env, {kDisposed, "this process group was closed"});
  return group_;
}

Napi::Value GroupWrap::Rank(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value { return Napi::Number::New(info.Env(), Alive(info.Env())->rank()); });
}

Napi::Value GroupWrap::WorldSize(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(),
                 [&]() -> Napi::Value { return Napi::Number::New(info.Env(), Alive(info.Env())->worldSize()); });
}

Napi::Value GroupWrap::Barrier(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    GroupHolder group = Alive(env);
    busy_->Acquire(env, "this process group");
    return Job<bool>::Run(
        env,
        [group] {
          group->Barrier();
          return true;
        },
        [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); }, info.This().As<Napi::Object>(), busy_);
  });
}

// allGather(Float64Array) -> Promise<Float64Array[]>: every rank's values, in rank order.
Napi::Value GroupWrap::AllGather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsTypedArray()) throw CodedError(kArg, "allGather expects a Float64Array");
    const auto array = info[0].As<Napi::TypedArray>();
    torch::Tensor values =
        TensorFromTypedArray(array, {static_cast<int64_t>(array.ElementLength())}, "allGather values").clone();
    GroupHolder group = Alive(env);
    busy_->Acquire(env, "this process group");
    return Job<std::vector<torch::Tensor>>::Run(
        env, [group, values] { return group->AllGather(values); },
        [](Napi::Env env, std::vector<torch::Tensor>& parts) -> Napi::Value {
          auto out = Napi::Array::New(env, parts.size());
          for (size_t i = 0; i < parts.size(); ++i)
            out.Set(static_cast<uint32_t>(i), TypedArrayFromTensor(env, parts[i].contiguous()));
          return out;
        },
        info.This().As<Napi::Object>(), busy_);
  });
}

// Leaves the group; models distributed over it keep it until they are disposed.
Napi::Value GroupWrap::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    if (busy_->busy()) throw MakeError(env, {kBusy, "this process group is running a collective; await it first"});
    group_.reset();
    return env.Undefined();
  });
}

}  // namespace fasttune::js
