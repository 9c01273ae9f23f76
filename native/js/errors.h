// SPDX-License-Identifier: Apache-2.0
// The one funnel between C++ failures and JS errors. Every binding entry point and every
// worker result passes through here, so no exception ever reaches Node uncaught.
#pragma once

#include <string>

#include <napi.h>

#include "core/error.h"

namespace fasttune::js {

using fasttune::CodedError;
using fasttune::kArg;
using fasttune::kBusy;
using fasttune::kDisposed;
using fasttune::kIo;
using fasttune::kNative;
using fasttune::kTorch;
using fasttune::kWeights;

// A failure described as plain data, safe to carry from a worker thread to the JS thread.
struct Failure {
  std::string code;
  std::string message;
};

// Describes the exception in flight; call only inside a catch block.
Failure DescribeCurrentException();

// Builds a FasttuneError (or a plain Error before the class is registered).
Napi::Error MakeError(Napi::Env env, const Failure& failure);

// Runs `body` and turns any exception into a thrown JS error.
template <typename Body>
Napi::Value Guarded(Napi::Env env, Body&& body) {
  Failure failure;
  try {
    return body();
  } catch (const Napi::Error& e) {
    throw;  // already a JS error; node-addon-api rethrows it into JS
  } catch (...) {
    failure = DescribeCurrentException();
  }
  throw MakeError(env, failure);
}

}  // namespace fasttune::js
