// SPDX-License-Identifier: Apache-2.0
#include "js/convert.h"

#include <cstring>

#include "js/errors.h"

namespace fasttune::js {

namespace {

torch::ScalarType DtypeOf(napi_typedarray_type type, const std::string& what) {
  switch (type) {
    case napi_float32_array: return torch::kFloat32;
    case napi_float64_array: return torch::kFloat64;
    case napi_int32_array: return torch::kInt32;
    case napi_bigint64_array: return torch::kInt64;
    case napi_uint8_array: return torch::kUInt8;
    case napi_int8_array: return torch::kInt8;
    case napi_int16_array: return torch::kInt16;
    default: throw CodedError(kArg, what + ": unsupported typed array type");
  }
}

template <typename Array, typename T>
Napi::TypedArray CopyOut(Napi::Env env, const torch::Tensor& t) {
  auto out = Array::New(env, static_cast<size_t>(t.numel()));
  if (t.numel() > 0) std::memcpy(out.Data(), t.data_ptr<T>(), t.numel() * sizeof(T));
  return out;
}

}  // namespace

torch::Tensor TensorFromTypedArray(const Napi::TypedArray& array, const std::vector<int64_t>& shape,
                                   const std::string& what) {
  const torch::ScalarType dtype = DtypeOf(array.TypedArrayType(), what);
  int64_t numel = 1;
  for (const int64_t d : shape) numel *= d;
  if (static_cast<int64_t>(array.ElementLength()) != numel) {
    throw CodedError(kArg, what + ": shape needs " + std::to_string(numel) + " values, got " +
                               std::to_string(array.ElementLength()));
  }
  torch::Tensor t = torch::empty(shape, torch::TensorOptions().dtype(dtype));
  const auto* bytes = static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  if (numel > 0) std::memcpy(t.data_ptr(), bytes, array.ByteLength());
  return t;
}

Napi::TypedArray TypedArrayFromTensor(Napi::Env env, const torch::Tensor& tensor) {
  torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
  switch (t.scalar_type()) {
    case torch::kFloat32: return CopyOut<Napi::Float32Array, float>(env, t);
    case torch::kFloat16:
    case torch::kBFloat16: return CopyOut<Napi::Float32Array, float>(env, t.to(torch::kFloat32));
    case torch::kFloat64: return CopyOut<Napi::Float64Array, double>(env, t);
    case torch::kInt64: return CopyOut<Napi::BigInt64Array, int64_t>(env, t);
    case torch::kInt32: return CopyOut<Napi::Int32Array, int32_t>(env, t);
    case torch::kInt16: return CopyOut<Napi::Int16Array, int16_t>(env, t);
    case torch::kInt8: return CopyOut<Napi::Int8Array, int8_t>(env, t);
    case torch::kUInt8: return CopyOut<Napi::Uint8Array, uint8_t>(env, t);
    case torch::kBool: return CopyOut<Napi::Uint8Array, uint8_t>(env, t.to(torch::kUInt8));
    default:
      throw CodedError(kArg, "cannot copy a tensor of dtype " + std::string(c10::toString(t.scalar_type())) + " to JS");
  }
}

std::vector<int64_t> ShapeFromArray(const Napi::Value& value, const std::string& what) {
  if (!value.IsArray()) throw CodedError(kArg, what + ": expected an array of dimensions");
  const auto array = value.As<Napi::Array>();
  std::vector<int64_t> shape;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    const Napi::Value d = array.Get(i);
    if (!d.IsNumber()) throw CodedError(kArg, what + ": dimension " + std::to_string(i) + " is not a number");
    const double v = d.As<Napi::Number>().DoubleValue();
    if (v < 0 || v != static_cast<double>(static_cast<int64_t>(v))) {
      throw CodedError(kArg, what + ": dimension " + std::to_string(i) + " is not a non-negative integer");
    }
    shape.push_back(static_cast<int64_t>(v));
  }
  return shape;
}

Napi::Array ShapeToArray(Napi::Env env, c10::IntArrayRef shape) {
  auto out = Napi::Array::New(env, shape.size());
  for (size_t i = 0; i < shape.size(); ++i)
    out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(shape[i])));
  return out;
}

std::string DtypeName(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat64: return "F64";
    case torch::kFloat32: return "F32";
    case torch::kFloat16: return "F16";
    case torch::kBFloat16: return "BF16";
    case torch::kInt64: return "I64";
    case torch::kInt32: return "I32";
    case torch::kInt16: return "I16";
    case torch::kInt8: return "I8";
    case torch::kUInt8: return "U8";
    case torch::kBool: return "BOOL";
    default: return c10::toString(type);
  }
}

}  // namespace fasttune::js
