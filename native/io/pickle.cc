// SPDX-License-Identifier: Apache-2.0
#include "io/pickle.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "core/error.h"

namespace fasttune::io::pickle {

namespace {

// The opcodes PyTorch state dicts use under protocols 2 to 5 (torch.save defaults to 2).
// Protocol 0/1 text opcodes, sets, NEWOBJ, INST/OBJ and EXT* are refused.
enum Op : unsigned char {
  kMark = '(',
  kStop = '.',
  kPop = '0',
  kPopMark = '1',
  kDup = '2',
  kBinFloat = 'G',
  kBinInt = 'J',
  kBinInt1 = 'K',
  kBinInt2 = 'M',
  kNone = 'N',
  kBinPersId = 'Q',
  kReduce = 'R',
  kBinUnicode = 'X',
  kBinBytes = 'B',
  kShortBinBytes = 'C',
  kEmptyList = ']',
  kAppend = 'a',
  kBuild = 'b',
  kGlobal = 'c',
  kAppends = 'e',
  kBinGet = 'h',
  kLongBinGet = 'j',
  kBinPut = 'q',
  kLongBinPut = 'r',
  kSetItem = 's',
  kTuple = 't',
  kSetItems = 'u',
  kEmptyDict = '}',
  kEmptyTuple = ')',
  kProto = 0x80,
  kTuple1 = 0x85,
  kTuple2 = 0x86,
  kTuple3 = 0x87,
  kNewTrue = 0x88,
  kNewFalse = 0x89,
  kLong1 = 0x8a,
  kLong4 = 0x8b,
  kShortBinUnicode = 0x8c,
  kBinUnicode8 = 0x8d,
  kBinBytes8 = 0x8e,
  kStackGlobal = 0x93,
  kMemoize = 0x94,
  kFrame = 0x95,
};

constexpr std::size_t kMaxGlobalPart = 256;

using Kind = Value::Kind;

bool ValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else
      return false;
    if (s.size() - i <= extra) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return false;
    i += extra + 1;
  }
  return true;
}

// Python writes bytes under protocol 2 as _codecs.encode(text, 'latin1'): every code point of
// `text` is one byte.
bool Latin1FromUtf8(std::string_view s, std::string& out) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if ((c & 0xFE) == 0xC2 && i + 1 < s.size()) {
      out += static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(s[++i]) & 0x3F));
    } else {
      return false;
    }
  }
  return true;
}

bool PlainIdentifierPath(std::string_view s) {
  if (s.empty() || s.size() > kMaxGlobalPart) return false;
  for (const char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
  }
  return true;
}

class Unpickler {
 public:
  Unpickler(std::string_view bytes, const std::string& what, const GlobalFilter& allowed, const Limits& limits)
      : in_(bytes), what_(what), allowed_(allowed), limits_(limits) {}

  Pickle Run() {
    while (true) {
      opStart_ = pos_;
      const unsigned char op = Byte();
      if (op == kStop) {
        out_.root = Pop();
        return std::move(out_);
      }
      Step(op);
    }
  }

 private:
  [[noreturn]] void Fail(const std::string& why) const {
    throw CodedError(kIo, what_ + ": " + why + " (pickle byte " + std::to_string(opStart_) + ")");
  }

  // --- input ---
  const unsigned char* Take(std::uint64_t n) {
    if (n > in_.size() - pos_) Fail("truncated pickle");
    const auto* p = reinterpret_cast<const unsigned char*>(in_.data()) + pos_;
    pos_ += n;
    return p;
  }
  unsigned char Byte() { return *Take(1); }
  std::uint64_t Le(std::size_t n) {
    const unsigned char* p = Take(n);
    std::uint64_t v = 0;
    for (std::size_t i = n; i-- > 0;) v = (v << 8) | p[i];
    return v;
  }
  std::string_view Chars(std::uint64_t n) {
    return {reinterpret_cast<const char*>(Take(n)), static_cast<std::size_t>(n)};
  }
  std::string_view Line() {
    const std::size_t length = in_.substr(pos_, kMaxGlobalPart + 1).find('\n');
    if (length == std::string_view::npos) Fail("malformed GLOBAL");
    const std::string_view line = in_.substr(pos_, length);
    pos_ += length + 1;
    return line;
  }

  // --- values ---
  Ref Make(Kind kind) {
    if (out_.values.size() >= limits_.maxValues) Fail("more than " + std::to_string(limits_.maxValues) + " values");
    out_.values.emplace_back();
    out_.values.back().kind = kind;
    return static_cast<Ref>(out_.values.size() - 1);
  }
  Value& At(Ref r) { return out_.values[r]; }
  Ref MakeInt(std::int64_t v) {
    const Ref r = Make(Kind::Int);
    At(r).integer = v;
    return r;
  }
  Ref MakeText(Kind kind, std::string_view text) {
    if (kind == Kind::String && !ValidUtf8(text)) Fail("string is not valid UTF-8");
    const Ref r = Make(kind);
    At(r).text.assign(text);
    return r;
  }

  // --- stack ---
  std::size_t Floor() const { return marks_.empty() ? 0 : marks_.back(); }
  void Push(Ref r) {
    if (stack_.size() >= limits_.maxStack) Fail("stack deeper than " + std::to_string(limits_.maxStack));
    stack_.push_back(r);
  }
  Ref Pop() {
    if (stack_.size() <= Floor()) Fail("stack underflow");
    const Ref r = stack_.back();
    stack_.pop_back();
    return r;
  }
  Ref Top() {
    if (stack_.size() <= Floor()) Fail("stack underflow");
    return stack_.back();
  }
  std::vector<Ref> PopMark() {
    if (marks_.empty()) Fail("no MARK to pop to");
    const std::size_t from = marks_.back();
    marks_.pop_back();
    std::vector<Ref> items(stack_.begin() + static_cast<std::ptrdiff_t>(from), stack_.end());
    stack_.resize(from);
    return items;
  }
  Ref Expect(Ref r, Kind kind, const char* op) {
    if (At(r).kind != kind) Fail(std::string(op) + " needs " + KindName(kind) + ", got " + KindName(At(r).kind));
    return r;
  }

  void Memo(std::uint64_t key) {
    if (memo_.size() >= limits_.maxMemo && memo_.find(key) == memo_.end())
      Fail("memo larger than " + std::to_string(limits_.maxMemo));
    memo_[key] = Top();
  }
  void Recall(std::uint64_t key) {
    const auto it = memo_.find(key);
    if (it == memo_.end()) Fail("memo key " + std::to_string(key) + " was never stored");
    Push(it->second);
  }

  std::int64_t Long(std::uint64_t n) {
    const unsigned char* p = Take(n);
    if (n == 0) return 0;
    const bool negative = p[n - 1] & 0x80;
    // Bytes beyond the eighth must only extend the sign.
    for (std::uint64_t i = 8; i < n; ++i) {
      if (p[i] != (negative ? 0xFF : 0x00)) Fail("integer does not fit in 64 bits");
    }
    if (n > 8 && static_cast<bool>(p[7] & 0x80) != negative) Fail("integer does not fit in 64 bits");
    std::uint64_t v = negative ? ~std::uint64_t{0} : 0;
    for (std::uint64_t i = std::min<std::uint64_t>(n, 8); i-- > 0;) v = (v << 8) | p[i];
    return static_cast<std::int64_t>(v);
  }

  void PushGlobal(std::string_view module, std::string_view name) {
    if (!PlainIdentifierPath(module) || !PlainIdentifierPath(name)) Fail("malformed global name");
    const std::string qualified = std::string(module) + "." + std::string(name);
    if (!allowed_(qualified)) Fail("refuses global " + qualified + ": only what a plain state dict needs is allowed");
    Push(MakeText(Kind::Global, qualified));
  }

  void Reduce() {
    const Ref args = Expect(Pop(), Kind::Tuple, "REDUCE");
    const Ref callable = Expect(Pop(), Kind::Global, "REDUCE");
    const std::string name = At(callable).text;
    if (name == "collections.OrderedDict") {
      if (!At(args).items.empty()) Fail("OrderedDict is called with arguments");
      Push(Make(Kind::Dict));
      return;
    }
    if (name == "_codecs.encode") {
      const std::vector<Ref> a = At(args).items;
      if (a.size() != 2 || At(a[0]).kind != Kind::String || At(a[1]).kind != Kind::String ||
          (At(a[1]).text != "latin1" && At(a[1]).text != "latin-1")) {
        Fail("_codecs.encode is only read as (text, 'latin1')");
      }
      std::string bytes;
      if (!Latin1FromUtf8(At(a[0]).text, bytes)) Fail("_codecs.encode text is not Latin-1");
      const Ref r = Make(Kind::Bytes);
      At(r).text = std::move(bytes);
      Push(r);
      return;
    }
    const Ref r = Make(Kind::Object);
    At(r).items = {callable, args};
    Push(r);
  }

  void SetItems(Ref dict, const std::vector<Ref>& pairs) {
    Expect(dict, Kind::Dict, "SETITEM");
    if (pairs.size() % 2 != 0) Fail("SETITEMS with an odd number of items");
    std::vector<Ref>& items = At(dict).items;
    items.insert(items.end(), pairs.begin(), pairs.end());
  }

  void Step(unsigned char op) {
    switch (op) {
      case kProto: {
        const unsigned char version = Byte();
        if (version < 2 || version > 5) Fail("unsupported pickle protocol " + std::to_string(version));
        return;
      }
      case kFrame: {
        const std::uint64_t length = Le(8);
        if (length > in_.size() - pos_) Fail("frame runs past the end of the pickle");
        return;
      }
      case kMark:
        if (marks_.size() >= limits_.maxStack) Fail("too many MARKs");
        marks_.push_back(stack_.size());
        return;
      case kPop: Pop(); return;
      case kPopMark: PopMark(); return;
      case kDup: Push(Top()); return;
      case kNone: Push(Make(Kind::None)); return;
      case kNewTrue:
      case kNewFalse: {
        const Ref r = Make(Kind::Bool);
        At(r).boolean = op == kNewTrue;
        Push(r);
        return;
      }
      case kBinInt: Push(MakeInt(static_cast<std::int32_t>(static_cast<std::uint32_t>(Le(4))))); return;
      case kBinInt1: Push(MakeInt(static_cast<std::int64_t>(Le(1)))); return;
      case kBinInt2: Push(MakeInt(static_cast<std::int64_t>(Le(2)))); return;
      case kLong1: Push(MakeInt(Long(Le(1)))); return;
      case kLong4: Push(MakeInt(Long(Le(4)))); return;
      case kBinFloat: {
        const unsigned char* p = Take(8);
        std::uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];  // big-endian
        const Ref r = Make(Kind::Float);
        std::memcpy(&At(r).number, &bits, sizeof bits);
        Push(r);
        return;
      }
      case kShortBinUnicode: Push(MakeText(Kind::String, Chars(Le(1)))); return;
      case kBinUnicode: Push(MakeText(Kind::String, Chars(Le(4)))); return;
      case kBinUnicode8: Push(MakeText(Kind::String, Chars(Le(8)))); return;
      case kShortBinBytes: Push(MakeText(Kind::Bytes, Chars(Le(1)))); return;
      case kBinBytes: Push(MakeText(Kind::Bytes, Chars(Le(4)))); return;
      case kBinBytes8: Push(MakeText(Kind::Bytes, Chars(Le(8)))); return;
      case kEmptyTuple: Push(Make(Kind::Tuple)); return;
      case kTuple1:
      case kTuple2:
      case kTuple3: {
        std::vector<Ref> items(op - kTuple1 + 1);
        for (std::size_t i = items.size(); i-- > 0;) items[i] = Pop();
        const Ref r = Make(Kind::Tuple);
        At(r).items = std::move(items);
        Push(r);
        return;
      }
      case kTuple: {
        std::vector<Ref> items = PopMark();
        const Ref r = Make(Kind::Tuple);
        At(r).items = std::move(items);
        Push(r);
        return;
      }
      case kEmptyList: Push(Make(Kind::List)); return;
      case kAppend: {
        const Ref item = Pop();
        At(Expect(Top(), Kind::List, "APPEND")).items.push_back(item);
        return;
      }
      case kAppends: {
        const std::vector<Ref> items = PopMark();
        std::vector<Ref>& list = At(Expect(Top(), Kind::List, "APPENDS")).items;
        list.insert(list.end(), items.begin(), items.end());
        return;
      }
      case kEmptyDict: Push(Make(Kind::Dict)); return;
      case kSetItem: {
        const Ref value = Pop();
        const Ref key = Pop();
        SetItems(Top(), {key, value});
        return;
      }
      case kSetItems: {
        const std::vector<Ref> pairs = PopMark();
        SetItems(Top(), pairs);
        return;
      }
      case kGlobal: {
        const std::string_view module = Line();
        const std::string_view name = Line();
        PushGlobal(module, name);
        return;
      }
      case kStackGlobal: {
        const Ref name = Expect(Pop(), Kind::String, "STACK_GLOBAL");
        const Ref module = Expect(Pop(), Kind::String, "STACK_GLOBAL");
        PushGlobal(At(module).text, At(name).text);
        return;
      }
      case kReduce: Reduce(); return;
      case kBuild: {
        const Ref state = Pop();
        Value& target = At(Top());
        if (target.kind != Kind::Dict && target.kind != Kind::Object) Fail("BUILD on " + KindName(target.kind));
        target.state = state;
        return;
      }
      case kBinPersId: {
        const Ref id = Pop();
        const Ref r = Make(Kind::PersistentId);
        At(r).items = {id};
        Push(r);
        return;
      }
      case kBinPut: Memo(Le(1)); return;
      case kLongBinPut: Memo(Le(4)); return;
      case kMemoize: Memo(memo_.size()); return;
      case kBinGet: Recall(Le(1)); return;
      case kLongBinGet: Recall(Le(4)); return;
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        Fail(std::string("unsupported pickle opcode ") + hex);
      }
    }
  }

  std::string_view in_;
  const std::string& what_;
  const GlobalFilter& allowed_;
  Limits limits_;
  std::size_t pos_ = 0;
  std::size_t opStart_ = 0;
  Pickle out_;
  std::vector<Ref> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, Ref> memo_;
};

}  // namespace

Pickle Unpickle(std::string_view bytes, const std::string& what, const GlobalFilter& allowed, const Limits& limits) {
  return Unpickler(bytes, what, allowed, limits).Run();
}

std::string KindName(Value::Kind kind) {
  switch (kind) {
    case Kind::None: return "None";
    case Kind::Bool: return "a bool";
    case Kind::Int: return "an int";
    case Kind::Float: return "a float";
    case Kind::String: return "a string";
    case Kind::Bytes: return "bytes";
    case Kind::Tuple: return "a tuple";
    case Kind::List: return "a list";
    case Kind::Dict: return "a dict";
    case Kind::Global: return "a global";
    case Kind::Object: return "an object";
    case Kind::PersistentId: return "a persistent id";
  }
  return "a value";
}

}  // namespace fasttune::io::pickle
