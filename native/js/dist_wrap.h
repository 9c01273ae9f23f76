// SPDX-License-Identifier: Apache-2.0
// Data parallel for JS: createProcessGroup(options) resolves to a ProcessGroup (rank, worldSize,
// barrier, allGather, close); model.distribute(group) makes a model one replica of it.
#pragma once

#include <memory>

#include <napi.h>

#include "js/worker.h"
#include "parallel/process_group.h"

namespace fasttune::js {

class GroupWrap : public Napi::ObjectWrap<GroupWrap> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  // The group of a JS ProcessGroup object, or an E_ARG error naming `where`.
  static std::shared_ptr<dist::ProcessGroup> FromJs(const Napi::Value& value, const char* where);

  explicit GroupWrap(const Napi::CallbackInfo& info);

 private:
  std::shared_ptr<dist::ProcessGroup> Alive(Napi::Env env) const;

  Napi::Value Rank(const Napi::CallbackInfo& info);
  Napi::Value WorldSize(const Napi::CallbackInfo& info);
  Napi::Value Barrier(const Napi::CallbackInfo& info);
  Napi::Value AllGather(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  std::shared_ptr<dist::ProcessGroup> group_;
  std::shared_ptr<BusyFlag> busy_ = std::make_shared<BusyFlag>();
};

}  // namespace fasttune::js
