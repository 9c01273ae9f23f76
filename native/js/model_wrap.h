// SPDX-License-Identifier: Apache-2.0
// VisionModel for JS: createVisionModel(options) resolves to an object whose methods unpack their
// arguments, run one native job (or a quick synchronous call) and pack the result.
#pragma once

#include <memory>

#include <napi.h>

#include "js/worker.h"
#include "train/vision_model.h"

namespace fasttune::js {

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);

  // Called only by createVisionModel, with the built model in an External.
  explicit ModelWrap(const Napi::CallbackInfo& info);
  ~ModelWrap() override;

 private:
  using Model = train::VisionModel;

  // The model, or E_DISPOSED.
  std::shared_ptr<Model> Alive(Napi::Env env) const;
  // The model, or E_DISPOSED / E_BUSY.
  std::shared_ptr<Model> Usable(Napi::Env env) const;

  // Runs `work` as this model's one job; the JS object stays alive until it settles.
  template <typename Result>
  Napi::Value RunJob(const Napi::CallbackInfo& info, std::function<Result(Model&)> work,
                     typename Job<Result>::ToJs toJs);

  Napi::Value NGroups(const Napi::CallbackInfo& info);
  Napi::Value NOut(const Napi::CallbackInfo& info);
  Napi::Value Device(const Napi::CallbackInfo& info);
  Napi::Value Precision(const Napi::CallbackInfo& info);
  Napi::Value Disposed(const Napi::CallbackInfo& info);

  Napi::Value ParamInfo(const Napi::CallbackInfo& info);
  Napi::Value FreezeTo(const Napi::CallbackInfo& info);
  Napi::Value SetPrecision(const Napi::CallbackInfo& info);
  Napi::Value ScalerState(const Napi::CallbackInfo& info);
  Napi::Value Seed(const Napi::CallbackInfo& info);
  Napi::Value Configure(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  Napi::Value TrainStep(const Napi::CallbackInfo& info);
  Napi::Value AccumulateStep(const Napi::CallbackInfo& info);
  Napi::Value EvalStep(const Napi::CallbackInfo& info);
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value Snapshot(const Napi::CallbackInfo& info);
  Napi::Value Restore(const Napi::CallbackInfo& info);
  Napi::Value LoadWeights(const Napi::CallbackInfo& info);
  Napi::Value SaveWeights(const Napi::CallbackInfo& info);
  Napi::Value StateDict(const Napi::CallbackInfo& info);
  Napi::Value Gradients(const Napi::CallbackInfo& info);
  Napi::Value OptimizerState(const Napi::CallbackInfo& info);
  Napi::Value LoadStateDict(const Napi::CallbackInfo& info);
  Napi::Value LoadOptimizerState(const Napi::CallbackInfo& info);
  Napi::Value RandomState(const Napi::CallbackInfo& info);
  Napi::Value SetRandomState(const Napi::CallbackInfo& info);
  Napi::Value Distribute(const Napi::CallbackInfo& info);

  // Frees the model when the environment (main thread or worker) shuts down.
  static void OnEnvCleanup(void* self);
  void Release();

  napi_env env_;
  std::shared_ptr<Model> model_;
  std::shared_ptr<BusyFlag> busy_ = std::make_shared<BusyFlag>();
  bool cleanupHooked_ = false;
};

}  // namespace fasttune::js
