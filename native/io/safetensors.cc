// SPDX-License-Identifier: Apache-2.0
#include "io/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>

#include <unistd.h>

#include "core/error.h"
#include "io/json.h"

namespace fasttune::io {

namespace {

struct DtypeName {
  const char* name;
  torch::ScalarType type;
};

constexpr DtypeName kDtypes[] = {
    {"F64", torch::kFloat64}, {"F32", torch::kFloat32}, {"F16", torch::kFloat16}, {"BF16", torch::kBFloat16},
    {"I64", torch::kInt64},   {"I32", torch::kInt32},   {"I16", torch::kInt16},   {"I8", torch::kInt8},
    {"U8", torch::kUInt8},    {"BOOL", torch::kBool},
};

[[noreturn]] void Corrupt(const std::string& path, const std::string& why) {
  throw CodedError(kIo, "corrupt safetensors file " + path + ": " + why);
}

std::uint64_t FileSize(std::ifstream& in) {
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0, std::ios::beg);
  return size;
}

std::uint64_t ReadLe64(const unsigned char* b) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[i];
  return v;
}

std::string ErrnoText() { return std::strerror(errno); }

}  // namespace

bool LooksLikeSafetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char head[9] = {};
  if (!in.read(reinterpret_cast<char*>(head), sizeof head)) return false;
  // A JSON header follows the length: its '{' marks the format, whatever length the file declares
  // (a wrong length is then reported as such, not as an unknown format).
  return head[8] == '{';
}

WeightsFile ReadSafetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CodedError(kIo, "cannot open " + path + ": " + ErrnoText());
  const std::uint64_t fileSize = FileSize(in);
  unsigned char lengthBytes[8];
  if (fileSize < 8 || !in.read(reinterpret_cast<char*>(lengthBytes), 8))
    Corrupt(path, "shorter than its 8-byte header length");
  const std::uint64_t headerLength = ReadLe64(lengthBytes);
  if (headerLength > fileSize - 8) {
    Corrupt(path, "header length " + std::to_string(headerLength) + " runs past the end of the file (" +
                      std::to_string(fileSize) + " bytes)");
  }
  if (headerLength > kMaxSafetensorsHeader)
    Corrupt(path, "header length " + std::to_string(headerLength) + " exceeds the 100 MiB limit");
  std::string header(headerLength, '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(headerLength))) Corrupt(path, "truncated header");
  const Json root = ParseJson(header, path);
  if (root.kind != Json::Kind::Object) Corrupt(path, "header is not a JSON object");

  const std::uint64_t dataStart = 8 + headerLength;
  const std::uint64_t dataSize = fileSize - dataStart;
  WeightsFile file;
  file.format = "safetensors";
  struct Span {
    std::uint64_t begin, end;
    const std::string* name;
  };
  std::vector<Span> spans;
  for (const auto& [name, entry] : root.object) {
    if (name == "__metadata__") {
      if (entry.kind != Json::Kind::Object) Corrupt(path, "__metadata__ is not an object");
      for (const auto& [k, v] : entry.object) {
        if (v.kind != Json::Kind::String) Corrupt(path, "metadata value '" + k + "' is not a string");
        file.metadata[k] = v.string;
      }
      continue;
    }
    const Json* dtype = entry.Find("dtype");
    const Json* shape = entry.Find("shape");
    const Json* offsets = entry.Find("data_offsets");
    if (entry.kind != Json::Kind::Object || !dtype || !shape || !offsets || dtype->kind != Json::Kind::String ||
        shape->kind != Json::Kind::Array || offsets->kind != Json::Kind::Array || offsets->array.size() != 2) {
      Corrupt(path, "tensor '" + name + "' needs dtype, shape and two data_offsets");
    }
    const auto* known = std::find_if(std::begin(kDtypes), std::end(kDtypes),
                                     [&](const DtypeName& d) { return dtype->string == d.name; });
    if (known == std::end(kDtypes)) Corrupt(path, "tensor '" + name + "' has unsupported dtype " + dtype->string);
    std::vector<int64_t> sizes;
    std::uint64_t numel = 1;
    for (const Json& dim : shape->array) {
      if (!dim.isInteger || dim.integer < 0) Corrupt(path, "tensor '" + name + "' has a bad dimension");
      const auto d = static_cast<std::uint64_t>(dim.integer);
      if (d != 0 && numel > std::numeric_limits<std::uint64_t>::max() / d)
        Corrupt(path, "tensor '" + name + "' is impossibly large");
      numel *= d;
      sizes.push_back(dim.integer);
    }
    for (const Json& o : offsets->array) {
      if (!o.isInteger || o.integer < 0) Corrupt(path, "tensor '" + name + "' has a bad data offset");
    }
    const auto begin = static_cast<std::uint64_t>(offsets->array[0].integer);
    const auto end = static_cast<std::uint64_t>(offsets->array[1].integer);
    const std::uint64_t itemSize = c10::elementSize(known->type);
    if (begin > end || end > dataSize) Corrupt(path, "tensor '" + name + "' lies outside the file's data");
    if (numel > dataSize / itemSize || end - begin != numel * itemSize) {
      Corrupt(path, "tensor '" + name + "' declares " + std::to_string(numel) + " elements but holds " +
                        std::to_string(end - begin) + " bytes");
    }
    spans.push_back({begin, end, &name});
    file.tensors.push_back({name, torch::empty(sizes, torch::TensorOptions().dtype(known->type))});
  }
  // Tensors must tile the data exactly: no overlaps, no gaps, nothing hidden after them.
  std::vector<Span> sorted = spans;
  std::sort(sorted.begin(), sorted.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::uint64_t cursor = 0;
  for (const Span& s : sorted) {
    if (s.begin != cursor) Corrupt(path, "tensor '" + *s.name + "' overlaps another or leaves a gap");
    cursor = s.end;
  }
  if (cursor != dataSize)
    Corrupt(path, "data size " + std::to_string(dataSize) + " does not match its tensors (" + std::to_string(cursor) +
                      " bytes)");

  for (std::size_t i = 0; i < spans.size(); ++i) {
    torch::Tensor& t = file.tensors[i].tensor;
    in.seekg(static_cast<std::streamoff>(dataStart + spans[i].begin));
    const auto bytes = static_cast<std::streamsize>(spans[i].end - spans[i].begin);
    if (bytes > 0 && !in.read(static_cast<char*>(t.data_ptr()), bytes))
      Corrupt(path, "truncated data for tensor '" + file.tensors[i].name + "'");
    // Any other byte is not a bool; reading it as one is undefined behaviour.
    if (t.scalar_type() == torch::kBool && bytes > 0 && t.view(torch::kUInt8).gt(1).any().item<bool>()) {
      Corrupt(path, "bool tensor '" + file.tensors[i].name + "' holds bytes other than 0 and 1");
    }
  }
  return file;
}

void WriteSafetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata) {
  std::vector<torch::Tensor> contiguous;
  std::string header = "{";
  std::uint64_t offset = 0;
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [k, v] : metadata) {
      header += (first ? "" : ",") + JsonString(k) + ":" + JsonString(v);
      first = false;
    }
    header += "}";
  }
  for (const NamedTensor& nt : tensors) {
    torch::Tensor t = nt.tensor.detach().to(torch::kCPU).contiguous();
    const auto* known = std::find_if(std::begin(kDtypes), std::end(kDtypes),
                                     [&](const DtypeName& d) { return d.type == t.scalar_type(); });
    if (known == std::end(kDtypes))
      throw CodedError(kArg,
                       "cannot write tensor '" + nt.name + "' of dtype " + std::string(c10::toString(t.scalar_type())));
    const std::uint64_t bytes = t.numel() * t.element_size();
    std::string shape = "[";
    for (int64_t d = 0; d < t.dim(); ++d) shape += (d ? "," : "") + std::to_string(t.size(d));
    shape += "]";
    header += (header.size() > 1 ? "," : "") + JsonString(nt.name) + ":{\"dtype\":\"" + known->name +
              "\",\"shape\":" + shape + ",\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + bytes) + "]}";
    offset += bytes;
    contiguous.push_back(std::move(t));
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');

  std::random_device rd;
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
  std::FILE* out = std::fopen(tmp.c_str(), "wb");
  if (!out) throw CodedError(kIo, "cannot write " + path + ": " + ErrnoText());
  auto fail = [&](const std::string& what) {
    const std::string reason = ErrnoText();
    std::fclose(out);
    std::remove(tmp.c_str());
    throw CodedError(
        kIo, "writing " + path + " failed (" + what + "): " + reason + "; the previous file, if any, is untouched");
  };
  unsigned char lengthBytes[8];
  std::uint64_t length = header.size();
  for (int i = 0; i < 8; ++i) lengthBytes[i] = static_cast<unsigned char>(length >> (8 * i));
  if (std::fwrite(lengthBytes, 1, 8, out) != 8 || std::fwrite(header.data(), 1, header.size(), out) != header.size())
    fail("header");
  for (std::size_t i = 0; i < contiguous.size(); ++i) {
    const torch::Tensor& t = contiguous[i];
    const std::size_t bytes = t.numel() * t.element_size();
    if (bytes > 0 && std::fwrite(t.data_ptr(), 1, bytes, out) != bytes) fail("tensor '" + tensors[i].name + "'");
  }
  if (std::fflush(out) != 0 || ::fsync(fileno(out)) != 0) fail("flush");
  if (std::fclose(out) != 0) {
    std::remove(tmp.c_str());
    throw CodedError(kIo, "writing " + path + " failed (close): " + ErrnoText());
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string reason = ErrnoText();
    std::remove(tmp.c_str());
    throw CodedError(kIo, "cannot move the new file into place at " + path + ": " + reason);
  }
}

}  // namespace fasttune::io
