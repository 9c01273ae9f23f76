// SPDX-License-Identifier: Apache-2.0
// Runs native work off the event loop and settles a Promise with the result.
// Baton rule: `work` runs on a pool thread and must touch no Napi value; everything it needs is
// copied into the closure on the JS thread. `toJs` runs back on the JS thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include <napi.h>

#include "core/live_objects.h"
#include "js/errors.h"

namespace fasttune::js {

// One job at a time per native object: acquired on the JS thread, released when the job settles.
class BusyFlag {
 public:
  // Throws E_BUSY when a job is already running; `what` names the object for the message.
  void Acquire(Napi::Env env, const char* what) {
    if (busy_) {
      throw MakeError(env, {kBusy, std::string(what) + " is already running a job; await the previous call first"});
    }
    busy_ = true;
  }
  void Release() { busy_ = false; }
  bool busy() const { return busy_; }

 private:
  bool busy_ = false;
};

template <typename Result>
class Job final : public Napi::AsyncWorker {
 public:
  using Work = std::function<Result()>;
  using ToJs = std::function<Napi::Value(Napi::Env, Result&)>;

  // Queues `work`; `owner` (if given) is kept alive and `busy` released when the job settles.
  static Napi::Promise Run(Napi::Env env, Work work, ToJs toJs, Napi::Object owner = Napi::Object(),
                           std::shared_ptr<BusyFlag> busy = nullptr) {
    auto* job = new Job(env, std::move(work), std::move(toJs), owner, std::move(busy));
    auto promise = job->deferred_.Promise();
    job->Queue();
    return promise;
  }

 protected:
  void Execute() override {
    try {
      result_.emplace(work_());
    } catch (...) {
      failure_ = DescribeCurrentException();
    }
  }

  void OnOK() override {
    Settle();
    try {
      Napi::Env env = Env();
      Napi::HandleScope scope(env);
      if (failure_) {
        deferred_.Reject(MakeError(env, *failure_).Value());
        return;
      }
      try {
        deferred_.Resolve(toJs_(env, *result_));
      } catch (const Napi::Error& e) {
        deferred_.Reject(e.Value());
      } catch (...) {
        deferred_.Reject(MakeError(env, DescribeCurrentException()).Value());
      }
    } catch (...) {
      // Settling failed: the environment is shutting down (a terminated worker thread) and can
      // run no JS any more, so nobody awaits this promise. Throwing on would abort the process.
    }
  }

  void OnError(const Napi::Error& e) override {
    Settle();
    try {
      deferred_.Reject(e.Value());
    } catch (...) {
      // As in OnOK: nobody is left to reject.
    }
  }

 private:
  Job(Napi::Env env, Work work, ToJs toJs, Napi::Object owner, std::shared_ptr<BusyFlag> busy)
      : Napi::AsyncWorker(env, "fasttune:job"),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)),
        toJs_(std::move(toJs)),
        busy_(std::move(busy)) {
    if (!owner.IsEmpty()) owner_ = Napi::Persistent(owner);
  }

  void Settle() {
    if (busy_) busy_->Release();
    if (!owner_.IsEmpty()) owner_.Reset();
  }

  Napi::Promise::Deferred deferred_;
  Work work_;
  ToJs toJs_;
  std::shared_ptr<BusyFlag> busy_;
  Napi::ObjectReference owner_;
  LiveCounter<LiveKind::kJob> live_;
  std::optional<Result> result_;
  std::optional<Failure> failure_;
};

}  // namespace fasttune::js
