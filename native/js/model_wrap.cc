// SPDX-License-Identifier: Apache-2.0
#include "js/model_wrap.h"

#include "core/compute_thread.h"
#include "core/runtime.h"
#include "js/addon_data.h"
#include "js/convert.h"
#include "js/dist_wrap.h"
#include "js/errors.h"
#include "js/model_args.h"

namespace fasttune::js {

namespace {

// Marks JS objects that wrap a VisionModel, so one can be told from a look-alike.
constexpr napi_type_tag kModelTag = {0x6661737474756e65ull, 0x766973696f6e6d64ull};

using ModelHolder = std::shared_ptr<train::VisionModel>;

// createVisionModel(options) -> Promise<model>; building and initialising takes a while.
Napi::Value CreateVisionModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    const train::VisionModelOptions options = ModelOptionsFromJs(info[0]);
    return Job<ModelHolder>::Run(
        env,
        [options] {
          return OnComputeThread([&] {
            UseConfiguredThreads();
            return std::make_shared<train::VisionModel>(options);
          });
        },
        [](Napi::Env env, ModelHolder& model) -> Napi::Value {
          return Data(env).modelClass.New({Napi::External<ModelHolder>::New(env, &model)});
        });
  });
}

Napi::Value StepOutputToJs(Napi::Env env, const train::StepOutput& out) {
  auto result = Napi::Object::New(env);
  result.Set("loss", out.loss);
  result.Set("logits", TypedArrayFromTensor(env, out.logits));
  return result;
}

}  // namespace

void ModelWrap::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = DefineClass(env, "VisionModel",
                                   {
                                       InstanceAccessor<&ModelWrap::NGroups>("nGroups"),
                                       InstanceAccessor<&ModelWrap::NOut>("nOut"),
                                       InstanceAccessor<&ModelWrap::Device>("device"),
                                       InstanceAccessor<&ModelWrap::Precision>("precision"),
                                       InstanceAccessor<&ModelWrap::Disposed>("disposed"),
                                       InstanceMethod<&ModelWrap::ParamInfo>("paramInfo"),
                                       InstanceMethod<&ModelWrap::FreezeTo>("freezeTo"),
                                       InstanceMethod<&ModelWrap::SetPrecision>("setPrecision"),
                                       InstanceMethod<&ModelWrap::ScalerState>("scalerState"),
                                       InstanceMethod<&ModelWrap::Seed>("seed"),
                                       InstanceMethod<&ModelWrap::Configure>("configure"),
                                       InstanceMethod<&ModelWrap::Dispose>("dispose"),
                                       InstanceMethod<&ModelWrap::TrainStep>("trainStep"),
                                       InstanceMethod<&ModelWrap::AccumulateStep>("accumulateStep"),
                                       InstanceMethod<&ModelWrap::EvalStep>("evalStep"),
                                       InstanceMethod<&ModelWrap::Predict>("predict"),
                                       InstanceMethod<&ModelWrap::Snapshot>("snapshot"),
                                       InstanceMethod<&ModelWrap::Restore>("restore"),
                                       InstanceMethod<&ModelWrap::LoadWeights>("loadWeights"),
                                       InstanceMethod<&ModelWrap::SaveWeights>("saveWeights"),
                                       InstanceMethod<&ModelWrap::StateDict>("stateDict"),
                                       InstanceMethod<&ModelWrap::Gradients>("gradients"),
                                       InstanceMethod<&ModelWrap::OptimizerState>("optimizerState"),
                                       InstanceMethod<&ModelWrap::LoadStateDict>("loadStateDict"),
                                       InstanceMethod<&ModelWrap::LoadOptimizerState>("loadOptimizerState"),
                                       InstanceMethod<&ModelWrap::RandomState>("randomState"),
                                       InstanceMethod<&ModelWrap::SetRandomState>("setRandomState"),
                                       InstanceMethod<&ModelWrap::Distribute>("distribute"),
                                   });
  Data(env).modelClass = Napi::Persistent(cls);
  exports.Set("createVisionModel", Napi::Function::New(env, CreateVisionModel, "createVisionModel"));
}

ModelWrap::ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info), env_(info.Env()) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw MakeError(info.Env(), {kArg, "VisionModel objects are made by createVisionModel()"});
  }
  model_ = std::move(*info[0].As<Napi::External<ModelHolder>>().Data());
  info.This().As<Napi::Object>().TypeTag(&kModelTag);
  if (napi_add_env_cleanup_hook(env_, &ModelWrap::OnEnvCleanup, this) == napi_ok) cleanupHooked_ = true;
}

ModelWrap::~ModelWrap() {
  if (cleanupHooked_) napi_remove_env_cleanup_hook(env_, &ModelWrap::OnEnvCleanup, this);
}

void ModelWrap::OnEnvCleanup(void* self) {
  auto* wrap = static_cast<ModelWrap*>(self);
  wrap->cleanupHooked_ = false;
  wrap->Release();
}

void ModelWrap::Release() { model_.reset(); }  // a running job holds its own reference

std::shared_ptr<train::VisionModel> ModelWrap::Alive(Napi::Env env) const {
  if (!model_) throw MakeError(env, {kDisposed, "this model was disposed"});
  return model_;
}

std::shared_ptr<train::VisionModel> ModelWrap::Usable(Napi::Env env) const {
  Alive(env);
  if (busy_->busy()) {
    throw MakeError(env, {kBusy, "this model is already running a job; await the previous call first"});
  }
  return model_;
}

template <typename Result>
Napi::Value ModelWrap::RunJob(const Napi::CallbackInfo& info, std::function<Result(Model&)> work,
                              typename Job<Result>::ToJs toJs) {
  Napi::Env env = info.Env();
  std::shared_ptr<Model> model = Usable(env);
  busy_->Acquire(env, "this model");
  return Job<Result>::Run(
      env,
      [model, work = std::move(work)] {
        return OnComputeThread([&] {
          UseConfiguredThreads();
          return work(*model);
        });
      },
      std::move(toJs), info.This().As<Napi::Object>(), busy_);
}

// Accessors read fixed facts, so they answer during a job too.
Napi::Value ModelWrap::NGroups(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(),
                 [&]() -> Napi::Value { return Napi::Number::New(info.Env(), Alive(info.Env())->nGroups()); });
}

Napi::Value ModelWrap::NOut(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), static_cast<double>(Alive(info.Env())->nOut()));
  });
}

Napi::Value ModelWrap::Device(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(),
                 [&]() -> Napi::Value { return Napi::String::New(info.Env(), Alive(info.Env())->device()); });
}

Napi::Value ModelWrap::Precision(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    return Napi::String::New(info.Env(), train::PrecisionName(Alive(info.Env())->precision()));
  });
}

Napi::Value ModelWrap::Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !model_); }

Napi::Value ModelWrap::ParamInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    const std::vector<train::ParamInfo> params = Usable(env)->Params();
    auto out = Napi::Array::New(env, params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      const train::ParamInfo& p = params[i];
      auto entry = Napi::Object::New(env);
      entry.Set("name", p.name);
      entry.Set("shape", ShapeToArray(env, p.shape));
      entry.Set("group", p.group);
      entry.Set("isNorm", p.isNorm);
      entry.Set("noDecay", p.noDecay);
      entry.Set("trainable", p.trainable);
      out.Set(static_cast<uint32_t>(i), entry);
    }
    return out;
  });
}

Napi::Value ModelWrap::FreezeTo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsNumber()) throw CodedError(kArg, "freezeTo expects an integer");
    Usable(env)->FreezeTo(info[0].As<Napi::Number>().Int64Value());
    return env.Undefined();
  });
}

Napi::Value ModelWrap::SetPrecision(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsString()) throw CodedError(kArg, "setPrecision expects a precision name");
    const train::Precision precision = train::ParsePrecision(info[0].As<Napi::String>().Utf8Value());
    Usable(env)->SetPrecision(precision, GradScalerFromJs(info[1]));
    return env.Undefined();
  });
}

Napi::Value ModelWrap::ScalerState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    const std::optional<train::GradScalerState> state = Usable(env)->ScalerState();
    if (!state) return env.Null();
    auto out = Napi::Object::New(env);
    out.Set("scale", state->scale);
    out.Set("growthTracker", Napi::Number::New(env, static_cast<double>(state->growthTracker)));
    out.Set("skippedSteps", Napi::Number::New(env, static_cast<double>(state->skippedSteps)));
    return out;
  });
}

Napi::Value ModelWrap::Seed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsNumber() || info[0].As<Napi::Number>().DoubleValue() < 0) {
      throw CodedError(kArg, "seed expects a non-negative integer");
    }
    Usable(env)->Seed(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
    return env.Undefined();
  });
}

Napi::Value ModelWrap::Configure(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    const train::ModelSettings settings = ModelSettingsFromJs(info[0]);
    Usable(env)->Configure(settings);
    return env.Undefined();
  });
}

Napi::Value ModelWrap::Dispose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    if (!model_) return env.Undefined();
    Usable(env);  // refuses while a job runs
    Release();
    return env.Undefined();
  });
}

// trainStep(batch, hypers, keepLogits?, step?): resolves to the loss, or to { loss, logits } when
// keepLogits is true.
Napi::Value ModelWrap::TrainStep(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    train::Batch batch = BatchFromJs(info[0], true);
    std::vector<train::Hypers> hypers = HypersFromJs(info[1]);
    const bool keepLogits = info.Length() > 2 && info[2].ToBoolean().Value();
    const train::StepOptions step = StepOptionsFromJs(info[3]);
    return RunJob<train::StepOutput>(
        info,
        [batch = std::move(batch), hypers = std::move(hypers), keepLogits, step](Model& m) {
          return m.TrainStep(batch, hypers, keepLogits, step);
        },
        [keepLogits](Napi::Env env, train::StepOutput& out) -> Napi::Value {
          return keepLogits ? StepOutputToJs(env, out) : Napi::Number::New(env, out.loss);
        });
  });
}

Napi::Value ModelWrap::AccumulateStep(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    train::Batch batch = BatchFromJs(info[0], true);
    const double lossFactor = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 1.0;
    if (!(lossFactor > 0)) throw CodedError(kArg, "accumulateStep: lossFactor must be > 0");
    return RunJob<double>(
        info, [batch = std::move(batch), lossFactor](Model& m) { return m.AccumulateStep(batch, lossFactor); },
        [](Napi::Env env, double& loss) -> Napi::Value { return Napi::Number::New(env, loss); });
  });
}

Napi::Value ModelWrap::EvalStep(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    train::Batch batch = BatchFromJs(info[0], true);
    return RunJob<train::StepOutput>(
        info, [batch = std::move(batch)](Model& m) { return m.EvalStep(batch); },
        [](Napi::Env env, train::StepOutput& out) -> Napi::Value { return StepOutputToJs(env, out); });
  });
}

Napi::Value ModelWrap::Predict(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    torch::Tensor images = ImagesFromJs(info[0], info[1]);
    std::optional<train::AugmentParams> augment = OptionalAugmentFromJs(info[2], images);
    return RunJob<torch::Tensor>(
        info,
        [images = std::move(images), augment = std::move(augment)](Model& m) { return m.Predict(images, augment); },
        [](Napi::Env env, torch::Tensor& logits) -> Napi::Value { return TypedArrayFromTensor(env, logits); });
  });
}

Napi::Value ModelWrap::Snapshot(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    return RunJob<bool>(
        info,
        [](Model& m) {
          m.Snapshot();
          return true;
        },
        [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
  });
}

Napi::Value ModelWrap::Restore(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    return RunJob<bool>(
        info,
        [](Model& m) {
          m.Restore();
          return true;
        },
        [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
  });
}

Napi::Value ModelWrap::LoadWeights(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
      throw CodedError(kArg, "loadWeights expects a path and a part");
    }
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    const models::WeightsPart part = models::ParseWeightsPart(info[1].As<Napi::String>().Utf8Value());
    return RunJob<bool>(
        info,
        [path, part](Model& m) {
          m.LoadWeights(path, part);
          return true;
        },
        [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
  });
}

Napi::Value ModelWrap::SaveWeights(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsString()) throw CodedError(kArg, "saveWeights expects a path");
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    io::Metadata metadata = MetadataFromJs(info[1]);
    return RunJob<bool>(
        info,
        [path, metadata = std::move(metadata)](Model& m) {
          m.SaveWeights(path, metadata);
          return true;
        },
        [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
  });
}

Napi::Value ModelWrap::StateDict(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    return RunJob<io::NamedTensors>(
        info, [](Model& m) { return m.StateDict(); },
        [](Napi::Env env, io::NamedTensors& tensors) -> Napi::Value { return NamedTensorsToJs(env, tensors); });
  });
}

Napi::Value ModelWrap::OptimizerState(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    return RunJob<io::NamedTensors>(
        info, [](Model& m) { return m.OptimizerState(); },
        [](Napi::Env env, io::NamedTensors& tensors) -> Napi::Value { return NamedTensorsToJs(env, tensors); });
  });
}

// loadStateDict(tensors, source): the whole model from [{ name, shape, data }]; errors name source.
Napi::Value ModelWrap::LoadStateDict(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    io::NamedTensors tensors = NamedTensorsFromJs(info[0]);
    if (info.Length() < 2 || !info[1].IsString())
      throw CodedError(kArg, "loadStateDict expects tensors and a source name");
    const std::string source = info[1].As<Napi::String>().Utf8Value();
    return RunJob<bool>(
        info,
        [tensors = std::move(tensors), source](Model& m) {
          m.LoadStateDict(tensors, source);
          return true;
        },
        [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
  });
}

Napi::Value ModelWrap::LoadOptimizerState(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    io::NamedTensors tensors = NamedTensorsFromJs(info[0]);
    return RunJob<bool>(
        info,
        [tensors = std::move(tensors)](Model& m) {
          m.LoadOptimizerState(tensors);
          return true;
        },
        [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
  });
}

// A few kilobytes: copied synchronously, refused while a job (which may draw masks) runs.
Napi::Value ModelWrap::RandomState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value { return TypedArrayFromTensor(env, Usable(env)->RandomState()); });
}

Napi::Value ModelWrap::SetRandomState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsTypedArray()) throw CodedError(kArg, "setRandomState expects a Uint8Array");
    const auto array = info[0].As<Napi::TypedArray>();
    const torch::Tensor state =
        TensorFromTypedArray(array, {static_cast<int64_t>(array.ElementLength())}, "random state");
    Usable(env)->SetRandomState(state);
    return env.Undefined();
  });
}

Napi::Value ModelWrap::Gradients(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    return RunJob<std::vector<train::NamedGradient>>(
        info, [](Model& m) { return m.Gradients(); },
        [](Napi::Env env, std::vector<train::NamedGradient>& grads) -> Napi::Value {
          auto out = Napi::Array::New(env, grads.size());
          for (size_t i = 0; i < grads.size(); ++i) {
            auto entry = Napi::Object::New(env);
            entry.Set("name", grads[i].name);
            entry.Set("data",
                      grads[i].grad.defined() ? Napi::Value(TypedArrayFromTensor(env, grads[i].grad)) : env.Null());
            out.Set(static_cast<uint32_t>(i), entry);
          }
          return out;
        });
  });
}

// distribute(group): every rank checks the models match and takes rank 0's weights.
Napi::Value ModelWrap::Distribute(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    std::shared_ptr<dist::ProcessGroup> group = GroupWrap::FromJs(info[0], "distribute");
    return RunJob<bool>(
        info,
        [group](Model& m) {
          m.Distribute(group);
          return true;
        },
        [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
  });
}

}  // namespace fasttune::js
