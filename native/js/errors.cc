// SPDX-License-Identifier: Apache-2.0
#include "js/errors.h"

#include <cstdlib>

#include <c10/util/Exception.h>

#include "js/addon_data.h"

namespace fasttune::js {

namespace {

// The full C++ backtrace is noise to a user but gold in a bug report.
bool WantBacktrace() {
  const char* flag = std::getenv("FASTTUNE_BACKTRACE");
  return flag != nullptr && flag[0] != '\0' && flag[0] != '0';
}

}  // namespace

Failure DescribeCurrentException() {
  try {
    throw;
  } catch (const CodedError& e) {
    return {e.code(), e.what()};
  } catch (const c10::Error& e) {
    return {kTorch, WantBacktrace() ? e.what() : e.what_without_backtrace()};
  } catch (const std::bad_alloc&) {
    return {kNative, "out of memory"};
  } catch (const std::exception& e) {
    return {kNative, e.what()};
  } catch (...) {
    return {kNative, "unknown native failure"};
  }
}

Napi::Error MakeError(Napi::Env env, const Failure& failure) {
  Napi::HandleScope scope(env);
  auto* data = env.GetInstanceData<AddonData>();
  Napi::Object error;
  if (data != nullptr && !data->errorClass.IsEmpty()) {
    error = data->errorClass.New({Napi::String::New(env, failure.message), Napi::String::New(env, failure.code)});
  } else {
    error = Napi::Error::New(env, failure.message).Value();
    error.Set("code", failure.code);
  }
  return Napi::Error(env, error);
}

}  // namespace fasttune::js
