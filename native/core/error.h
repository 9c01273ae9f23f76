// SPDX-License-Identifier: Apache-2.0
// Errors raised by pure LibTorch code. Each carries a code that reaches JS unchanged
// (the codes are mirrored in src/errors.ts).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace fasttune {

inline constexpr const char* kTorch = "E_TORCH";        // LibTorch raised (c10::Error)
inline constexpr const char* kNative = "E_NATIVE";      // any other C++ failure
inline constexpr const char* kArg = "E_ARG";            // a bad argument reached native code
inline constexpr const char* kBusy = "E_BUSY";          // the object already runs a job
inline constexpr const char* kDisposed = "E_DISPOSED";  // the object was disposed
inline constexpr const char* kIo = "E_IO";              // files: missing, unreadable, corrupt
inline constexpr const char* kWeights = "E_WEIGHTS";    // weights do not fit the model

class CodedError : public std::runtime_error {
 public:
  CodedError(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

}  // namespace fasttune
