// SPDX-License-Identifier: Apache-2.0
// Mixed precision: which autocast a model runs under, and a scope that turns it on for one forward
// pass. Autocast state is thread-local, so the scope lives inside the worker's job.
#pragma once

#include <string>

#include <c10/core/DeviceType.h>

namespace fasttune::train {

enum class Precision { kFp32, kBf16, kFp16 };

Precision ParsePrecision(const std::string& name);
std::string PrecisionName(Precision precision);

// Autocast to bf16/fp16 on `device` for the scope's lifetime (nothing for fp32). Restores the
// previous state and, when leaving the outermost scope, drops the cast-weight cache.
class AutocastScope {
 public:
  AutocastScope(c10::DeviceType device, Precision precision);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  c10::DeviceType device_;
  bool previousEnabled_ = false;
  c10::ScalarType previousDtype_ = c10::ScalarType::Undefined;
};

}  // namespace fasttune::train
