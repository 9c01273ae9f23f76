// SPDX-License-Identifier: Apache-2.0
// A small, strict JSON reader and writer for file headers (safetensors). Depth and size are
// bounded so a hostile header cannot exhaust the stack.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fasttune::io {

struct Json {
  enum class Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  double number = 0;
  bool isInteger = false;    // the literal had no fraction or exponent
  std::int64_t integer = 0;  // exact value when isInteger
  std::string string;
  std::vector<Json> array;
  std::vector<std::pair<std::string, Json>> object;  // in file order

  const Json* Find(std::string_view key) const;
};

// Parses `text`; throws CodedError(E_IO) with `what` and the byte offset on malformed input.
Json ParseJson(std::string_view text, const std::string& what);

// Quotes and escapes `s` as a JSON string literal.
std::string JsonString(std::string_view s);

}  // namespace fasttune::io
