// SPDX-License-Identifier: Apache-2.0
// A restricted unpickler: it decodes the opcodes a PyTorch state dict uses into plain values and
// never calls anything. A global is only named, and only if the caller allows it; a call (REDUCE)
// becomes an Object value that the caller interprets. Values live in one flat arena and refer to
// each other by index, so nothing recurses over them and cycles built through the memo are
// harmless.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace fasttune::io::pickle {

using Ref = std::uint32_t;  // index into Pickle::values
inline constexpr Ref kNoRef = 0xFFFFFFFF;

struct Value {
  enum class Kind : std::uint8_t {
    None,
    Bool,
    Int,
    Float,
    String,
    Bytes,
    Tuple,
    List,
    Dict,
    Global,        // a named module attribute, e.g. "torch._utils._rebuild_tensor_v2"
    Object,        // a call that was not made: items = {callable, args}
    PersistentId,  // BINPERSID: items = {id}; the caller resolves it
  };
  Kind kind = Kind::None;
  bool boolean = false;
  std::int64_t integer = 0;
  double number = 0;
  std::string text;        // String (UTF-8), Bytes, Global's qualified name
  std::vector<Ref> items;  // Tuple/List elements; Dict keys and values interleaved, in insertion order
  Ref state = kNoRef;      // what BUILD gave a Dict or Object
};

struct Pickle {
  std::vector<Value> values;
  Ref root = kNoRef;
  const Value& operator[](Ref r) const { return values.at(r); }
};

struct Limits {
  std::size_t maxValues = std::size_t{1} << 22;
  std::size_t maxStack = std::size_t{1} << 20;
  std::size_t maxMemo = std::size_t{1} << 20;
};

// Decides whether a global ("module.name") may appear. `collections.OrderedDict` (an empty call
// makes an empty Dict) and `_codecs.encode` (how protocol 2 writes bytes) are decoded as data, but
// they too must be allowed.
using GlobalFilter = std::function<bool(const std::string& qualifiedName)>;

// Decodes `bytes`. Throws CodedError(E_IO) starting with `what` on malformed input, on an opcode
// outside the supported set, on a refused global ("refuses global posix.system"), or when a
// limit is reached.
Pickle Unpickle(std::string_view bytes, const std::string& what, const GlobalFilter& allowed,
                const Limits& limits = {});

// "a Tuple", "an Int", ...: for error messages.
std::string KindName(Value::Kind kind);

}  // namespace fasttune::io::pickle
