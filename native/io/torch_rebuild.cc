// SPDX-License-Identifier: Apache-2.0
#include "io/torch_rebuild.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <limits>
#include <optional>

#include "core/error.h"

namespace fasttune::io {

namespace {

using pickle::Pickle;
using pickle::Ref;
using Kind = pickle::Value::Kind;

constexpr const char* kRebuildV2 = "torch._utils._rebuild_tensor_v2";
constexpr const char* kRebuildV3 = "torch._utils._rebuild_tensor_v3";
constexpr const char* kRebuildParameter = "torch._utils._rebuild_parameter";
constexpr const char* kRebuildParameterWithState = "torch._utils._rebuild_parameter_with_state";
constexpr const char* kRebuildFromType = "torch._tensor._rebuild_from_type_v2";
constexpr std::size_t kMaxDims = 64;
constexpr int kMaxNesting = 4;  // from_type_v2 -> parameter -> tensor is the deepest real chain

struct NamedType {
  const char* name;
  std::optional<torch::ScalarType> type;  // empty: known to PyTorch, not read by fasttune
};

// Typed storages name the dtype of tensors saved with _rebuild_tensor_v2.
constexpr NamedType kStorages[] = {
    {"torch.DoubleStorage", torch::kFloat64},
    {"torch.FloatStorage", torch::kFloat32},
    {"torch.HalfStorage", torch::kFloat16},
    {"torch.BFloat16Storage", torch::kBFloat16},
    {"torch.LongStorage", torch::kInt64},
    {"torch.IntStorage", torch::kInt32},
    {"torch.ShortStorage", torch::kInt16},
    {"torch.CharStorage", torch::kInt8},
    {"torch.ByteStorage", torch::kUInt8},
    {"torch.BoolStorage", torch::kBool},
    {"torch.ComplexDoubleStorage", {}},
    {"torch.ComplexFloatStorage", {}},
    {"torch.QUInt8Storage", {}},
    {"torch.QInt8Storage", {}},
    {"torch.QInt32Storage", {}},
    {"torch.QUInt4x2Storage", {}},
    {"torch.QUInt2x4Storage", {}},
};
constexpr const char* kUntypedStorage = "torch.storage.UntypedStorage";  // v3: bytes, dtype given apart

// PyTorch 2.x saves dtypes without a typed storage (torch.storage._new_dtypes) with
// _rebuild_tensor_v3, naming the dtype as a global.
constexpr NamedType kDtypes[] = {
    {"torch.float64", torch::kFloat64},
    {"torch.float32", torch::kFloat32},
    {"torch.float16", torch::kFloat16},
    {"torch.bfloat16", torch::kBFloat16},
    {"torch.int64", torch::kInt64},
    {"torch.int32", torch::kInt32},
    {"torch.int16", torch::kInt16},
    {"torch.int8", torch::kInt8},
    {"torch.uint8", torch::kUInt8},
    {"torch.bool", torch::kBool},
    {"torch.uint16", {}},
    {"torch.uint32", {}},
    {"torch.uint64", {}},
    {"torch.complex32", {}},
    {"torch.float8_e5m2", {}},
    {"torch.float8_e4m3fn", {}},
    {"torch.float8_e5m2fnuz", {}},
    {"torch.float8_e4m3fnuz", {}},
    {"torch.float8_e8m0fnu", {}},
    {"torch.float4_e2m1fn_x2", {}},
    {"torch.bits8", {}},
    {"torch.bits16", {}},
    {"torch.bits1x8", {}},
    {"torch.bits2x4", {}},
    {"torch.bits4x2", {}},
};

constexpr const char* kOtherGlobals[] = {
    kRebuildV2,
    kRebuildV3,
    kRebuildParameter,
    kRebuildParameterWithState,
    kRebuildFromType,
    kUntypedStorage,
    "torch.Tensor",
    "torch.nn.parameter.Parameter",  // the classes _rebuild_from_type_v2 names
    "collections.OrderedDict",
    "_codecs.encode",
    // LibTorch's torch::pickle_save wraps typed containers: restore_type_tag(dict, "Dict[str, Tensor]").
    "torch.jit._pickle.restore_type_tag",
    // fastai's optimizer state ('opt' beside 'model') holds numpy floats among its hypers.
    "numpy.core.multiarray.scalar",
    "numpy._core.multiarray.scalar",
    "numpy.dtype",
};

const NamedType* FindType(const NamedType* begin, const NamedType* end, const std::string& name) {
  const NamedType* it = std::find_if(begin, end, [&](const NamedType& t) { return name == t.name; });
  return it == end ? nullptr : it;
}

bool IsRebuildFunction(const std::string& name) {
  return name == kRebuildV2 || name == kRebuildV3 || name == kRebuildParameter || name == kRebuildParameterWithState ||
         name == kRebuildFromType;
}

class Decoder {
 public:
  Decoder(const Pickle& p, const std::string& what) : p_(p), what_(what) {}

  TensorSpec Tensor(Ref r, int depth) {
    if (depth > kMaxNesting) Fail("tensor rebuild calls nested too deeply");
    const pickle::Value& v = p_[r];
    if (v.kind != Kind::Object) Fail("is " + pickle::KindName(v.kind) + ", not a tensor");
    const std::string& fn = p_[v.items[0]].text;
    return Call(fn, p_[v.items[1]].items, depth);
  }

 private:
  [[noreturn]] void Fail(const std::string& why) const { throw CodedError(kIo, what_ + " " + why); }

  TensorSpec Call(const std::string& fn, const std::vector<Ref>& args, int depth) {
    if (fn == kRebuildV2 || fn == kRebuildV3) return Rebuild(fn == kRebuildV3, args);
    if (fn == kRebuildParameter || fn == kRebuildParameterWithState) {
      // (data, requires_grad, backward_hooks[, state]): the data is the tensor.
      if (args.size() != (fn == kRebuildParameter ? 3u : 4u)) Fail("has a malformed " + fn + " call");
      return Tensor(args[0], depth + 1);
    }
    if (fn == kRebuildFromType) {
      // (func, type, args, state): a tensor whose Python object carried attributes.
      if (args.size() != 4 || p_[args[0]].kind != Kind::Global || p_[args[1]].kind != Kind::Global ||
          p_[args[2]].kind != Kind::Tuple) {
        Fail("has a malformed " + fn + " call");
      }
      const std::string& inner = p_[args[0]].text;
      const std::string& type = p_[args[1]].text;
      if (!IsRebuildFunction(inner)) Fail("is rebuilt by " + inner + ", which is not a tensor rebuild function");
      if (type != "torch.Tensor" && type != "torch.nn.parameter.Parameter")
        Fail("is of tensor subclass " + type + ", which is not supported");
      return Call(inner, p_[args[2]].items, depth + 1);
    }
    Fail("is built by " + fn + ", not a tensor");
  }

  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  // _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype[, metadata])
  TensorSpec Rebuild(bool v3, const std::vector<Ref>& args) {
    const std::size_t base = v3 ? 7 : 6;
    if (args.size() != base && args.size() != base + 1)
      Fail(std::string("has a malformed ") + (v3 ? kRebuildV3 : kRebuildV2) + " call");
    TensorSpec spec;
    const std::string storageType = Storage(args[0], spec);
    if (v3) {
      if (storageType != kUntypedStorage)
        Fail("names storage " + storageType + " where _rebuild_tensor_v3 needs torch.storage.UntypedStorage");
      const pickle::Value& dtype = p_[args[6]];
      if (dtype.kind != Kind::Global) Fail("has a dtype that is not a torch dtype");
      const NamedType* t = FindType(std::begin(kDtypes), std::end(kDtypes), dtype.text);
      if (t == nullptr) Fail("has unknown dtype " + dtype.text);
      if (!t->type) Fail("has dtype " + dtype.text + ", which fasttune does not read");
      spec.dtype = *t->type;
    } else {
      const NamedType* t = FindType(std::begin(kStorages), std::end(kStorages), storageType);
      if (t == nullptr) Fail("names storage " + storageType + " where _rebuild_tensor_v2 needs a typed storage");
      if (!t->type) Fail("is stored as " + storageType + ", which fasttune does not read");
      spec.dtype = *t->type;
      // Typed storages count elements, not bytes.
      const std::uint64_t item = c10::elementSize(spec.dtype);
      if (spec.storageBytes > std::numeric_limits<std::uint64_t>::max() / item)
        Fail("declares an impossibly large storage");
      spec.storageBytes *= item;
    }
    const pickle::Value& offset = p_[args[1]];
    if (offset.kind != Kind::Int || offset.integer < 0) Fail("has a bad storage offset");
    spec.offset = offset.integer;
    spec.sizes = Ints(args[2], "size");
    spec.strides = Ints(args[3], "stride");
    if (spec.sizes.size() != spec.strides.size())
      Fail("has " + std::to_string(spec.sizes.size()) + " sizes but " + std::to_string(spec.strides.size()) +
           " strides");
    if (args.size() == base + 1) Metadata(args[base]);
    return spec;
  }

  // ('storage', storage_type, key, location, numel); location is ignored: everything loads on the CPU.
  std::string Storage(Ref r, TensorSpec& spec) {
    const pickle::Value& id = p_[r];
    if (id.kind != Kind::PersistentId) Fail("has no storage reference");
    const pickle::Value& t = p_[id.items[0]];
    if (t.kind != Kind::Tuple || t.items.size() != 5 || p_[t.items[0]].kind != Kind::String ||
        p_[t.items[0]].text != "storage" || p_[t.items[1]].kind != Kind::Global ||
        p_[t.items[2]].kind != Kind::String || p_[t.items[3]].kind != Kind::String ||
        p_[t.items[4]].kind != Kind::Int) {
      Fail("has a malformed storage reference");
    }
    const std::string& key = p_[t.items[2]].text;
    const bool keyOk = !key.empty() && key.size() <= 64 && std::all_of(key.begin(), key.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
    if (!keyOk) Fail("names a storage key that is not a plain name");
    if (p_[t.items[4]].integer < 0) Fail("declares a negative storage size");
    spec.storageKey = key;
    spec.storageBytes = static_cast<std::uint64_t>(p_[t.items[4]].integer);
    return p_[t.items[1]].text;
  }

  std::vector<std::int64_t> Ints(Ref r, const char* what) {
    const pickle::Value& v = p_[r];
    if (v.kind != Kind::Tuple) Fail(std::string("has a ") + what + " that is not a tuple");
    if (v.items.size() > kMaxDims) Fail("has more than " + std::to_string(kMaxDims) + " dimensions");
    std::vector<std::int64_t> out;
    for (const Ref item : v.items) {
      const pickle::Value& d = p_[item];
      if (d.kind != Kind::Int || d.integer < 0) Fail(std::string("has a bad ") + what);
      out.push_back(d.integer);
    }
    return out;
  }

  // Conjugate/negative bits would make the stored values differ from the tensor's.
  void Metadata(Ref r) {
    const pickle::Value& m = p_[r];
    if (m.kind == Kind::None) return;
    if (m.kind != Kind::Dict) Fail("has malformed tensor metadata");
    for (std::size_t i = 1; i < m.items.size(); i += 2) {
      const pickle::Value& flag = p_[m.items[i]];
      if (flag.kind == Kind::Bool && flag.boolean)
        Fail("carries lazy conjugate/negative bits, which are not supported");
    }
  }

  const Pickle& p_;
  const std::string& what_;
};

}  // namespace

bool AllowedCheckpointGlobal(const std::string& name) {
  return FindType(std::begin(kStorages), std::end(kStorages), name) != nullptr ||
         FindType(std::begin(kDtypes), std::end(kDtypes), name) != nullptr ||
         std::any_of(std::begin(kOtherGlobals), std::end(kOtherGlobals), [&](const char* g) { return name == g; });
}

bool IsTensorCall(const pickle::Pickle& p, pickle::Ref r) {
  const pickle::Value& v = p[r];
  return v.kind == Kind::Object && IsRebuildFunction(p[v.items[0]].text);
}

TensorSpec DecodeTensor(const pickle::Pickle& p, pickle::Ref r, const std::string& what) {
  return Decoder(p, what).Tensor(r, 0);
}

}  // namespace fasttune::io
