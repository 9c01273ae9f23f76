// SPDX-License-Identifier: Apache-2.0
// Copies between JS typed arrays and tensors. Tensors never cross into JS: values are copied out.
#pragma once

#include <string>
#include <vector>

#include <napi.h>
#include <torch/types.h>

namespace fasttune::js {

// A typed array copied into a CPU tensor of the matching dtype (on the JS thread).
torch::Tensor TensorFromTypedArray(const Napi::TypedArray& array, const std::vector<int64_t>& shape,
                                   const std::string& what);

// The tensor's values in a new typed array (Float32Array for float16/bfloat16, which JS lacks).
Napi::TypedArray TypedArrayFromTensor(Napi::Env env, const torch::Tensor& tensor);

// A JS array of non-negative integers.
std::vector<int64_t> ShapeFromArray(const Napi::Value& value, const std::string& what);

Napi::Array ShapeToArray(Napi::Env env, c10::IntArrayRef shape);

// safetensors' dtype names ("F32", "I64", ...).
std::string DtypeName(torch::ScalarType type);

}  // namespace fasttune::js
