// SPDX-License-Identifier: Apache-2.0
#include "io/torch_checkpoint.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <unordered_set>

#include "core/error.h"
#include "io/pickle.h"
#include "io/torch_rebuild.h"
#include "io/zip_reader.h"

namespace fasttune::io {

namespace {

using pickle::Pickle;
using pickle::Ref;
using Kind = pickle::Value::Kind;

// The magic number torch.save's legacy format pickles first (PROTO 2, LONG1 of 10 bytes).
constexpr unsigned char kLegacyMagic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c,
                                          0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};

const char* const kWrapperKeys[] = {"model", "state_dict"};

std::uint64_t SaturatingMul(std::uint64_t a, std::uint64_t b) {
  return b != 0 && a > std::numeric_limits<std::uint64_t>::max() / b ? std::numeric_limits<std::uint64_t>::max()
                                                                     : a * b;
}

std::uint64_t SaturatingAdd(std::uint64_t a, std::uint64_t b) {
  return a > std::numeric_limits<std::uint64_t>::max() - b ? std::numeric_limits<std::uint64_t>::max() : a + b;
}

class CheckpointReader {
 public:
  explicit CheckpointReader(const std::string& path) : zip_(path), what_("PyTorch checkpoint " + path) {}

  WeightsFile Read() {
    const ZipEntry& pkl = FindPickle();
    CheckByteOrder();
    const std::string bytes = zip_.ReadString(pkl, kMaxCheckpointPickle);
    const Pickle p = pickle::Unpickle(bytes, what_ + " (" + pkl.name + ")", AllowedCheckpointGlobal);
    const Ref dict = FindStateDict(p);

    // Shared storages and stride-0 views could make a small file expand without bound.
    limit_ = 4 * zip_.fileSize() + (64ull << 20);
    budget_ = limit_;
    WeightsFile file;
    file.format = "pytorch";
    std::unordered_set<std::string> names;
    const std::vector<Ref>& items = p[dict].items;
    for (std::size_t i = 0; i < items.size(); i += 2) {
      const std::string& name = p[items[i]].text;
      if (!names.insert(name).second) Fail("state dict key '" + name + "' appears twice");
      const TensorSpec spec = DecodeTensor(p, items[i + 1], what_ + ": tensor '" + name + "'");
      file.tensors.push_back({name, Materialize(spec, name)});
    }
    return file;
  }

 private:
  [[noreturn]] void Fail(const std::string& why) const { throw CodedError(kIo, what_ + ": " + why); }

  // Records live under one top-level folder (the saved file's stem, or "archive").
  const ZipEntry& FindPickle() {
    const ZipEntry* found = nullptr;
    bool torchScript = false;
    for (const ZipEntry& e : zip_.entries()) {
      const std::size_t slash = e.name.find('/');
      if (slash == std::string::npos) continue;
      const std::string_view rest = std::string_view(e.name).substr(slash + 1);
      if (rest == "constants.pkl" || rest.substr(0, 5) == "code/") torchScript = true;
      if (rest != "data.pkl") continue;
      if (found != nullptr) Fail("holds several data.pkl records");
      found = &e;
    }
    if (torchScript)
      Fail(
          "is a TorchScript archive (torch.jit.save), not a state dict; save model.state_dict() with torch.save "
          "instead");
    if (found == nullptr) Fail("holds no <archive>/data.pkl record, so it was not written by torch.save");
    prefix_ = found->name.substr(0, found->name.size() - std::strlen("data.pkl"));
    return *found;
  }

  void CheckByteOrder() {
    const ZipEntry* e = zip_.Find(prefix_ + "byteorder");
    if (e == nullptr) return;  // written before PyTorch 2.1: little-endian
    const std::string order = zip_.ReadString(*e, 16);
    if (order == "little") return;
    if (order == "big") Fail("was saved on a big-endian machine, which is not supported");
    Fail("has an unknown byteorder record");
  }

  bool IsStateDict(const Pickle& p, Ref r) const {
    const pickle::Value& d = p[r];
    if (d.kind != Kind::Dict) return false;
    for (std::size_t i = 0; i < d.items.size(); i += 2) {
      if (p[d.items[i]].kind != Kind::String || !IsTensorCall(p, d.items[i + 1])) return false;
    }
    return true;
  }

  // Why the dict at `r` is not a state dict, for the error message.
  std::string Describe(const Pickle& p, Ref r) const {
    const pickle::Value& d = p[r];
    if (d.kind != Kind::Dict) return "it is " + pickle::KindName(d.kind);
    for (std::size_t i = 0; i < d.items.size(); i += 2) {
      const pickle::Value& key = p[d.items[i]];
      if (key.kind != Kind::String) return "it has a key that is " + pickle::KindName(key.kind);
      if (!IsTensorCall(p, d.items[i + 1]))
        return "its value '" + key.text + "' is " + pickle::KindName(p[d.items[i + 1]].kind) + ", not a tensor";
    }
    return "it is fine";
  }

  // LibTorch's pickler tags typed containers: restore_type_tag(value, "Dict[str, Tensor]").
  static Ref Untagged(const Pickle& p, Ref r) {
    const pickle::Value& v = p[r];
    if (v.kind != Kind::Object || p[v.items[0]].text != "torch.jit._pickle.restore_type_tag") return r;
    const std::vector<Ref>& args = p[v.items[1]].items;
    return args.size() == 2 && p[args[1]].kind == Kind::String ? args[0] : r;
  }

  static Ref Get(const Pickle& p, Ref dict, const std::string& key) {
    const std::vector<Ref>& items = p[dict].items;
    for (std::size_t i = 0; i < items.size(); i += 2) {
      if (p[items[i]].kind == Kind::String && p[items[i]].text == key) return items[i + 1];
    }
    return pickle::kNoRef;
  }

  Ref FindStateDict(const Pickle& p) const {
    const Ref root = Untagged(p, p.root);
    if (p[root].kind != Kind::Dict) Fail("holds " + pickle::KindName(p[root].kind) + ", not a state dict");
    if (IsStateDict(p, root)) return root;
    for (const char* key : kWrapperKeys) {
      Ref inner = Get(p, root, key);
      if (inner == pickle::kNoRef) continue;
      inner = Untagged(p, inner);
      if (IsStateDict(p, inner)) return inner;
      Fail(std::string("its '") + key + "' entry is not a state dict: " + Describe(p, inner));
    }
    Fail("holds no state dict (a dict of tensors, bare or under 'model' or 'state_dict'): " + Describe(p, root));
  }

  // A storage's bytes, read once however many tensors view it.
  const torch::Tensor& StorageBytes(const TensorSpec& spec, const std::string& name) {
    auto it = storages_.find(spec.storageKey);
    if (it != storages_.end()) {
      if (static_cast<std::uint64_t>(it->second.numel()) != spec.storageBytes) {
        Fail("tensor '" + name + "' declares storage '" + spec.storageKey +
             "' with a size that differs from another tensor's");
      }
      return it->second;
    }
    const std::string record = prefix_ + "data/" + spec.storageKey;
    const ZipEntry* e = zip_.Find(record);
    if (e == nullptr) Fail("tensor '" + name + "' needs storage record " + record + ", which is missing");
    if (e->size != spec.storageBytes) {
      Fail("storage record " + record + " holds " + std::to_string(e->size) + " bytes but tensor '" + name +
           "' declares " + std::to_string(spec.storageBytes));
    }
    zip_.RequireStored(*e);  // then this allocation is bounded by the file size
    torch::Tensor bytes =
        torch::empty({static_cast<std::int64_t>(e->size)}, torch::TensorOptions().dtype(torch::kUInt8));
    zip_.Read(*e, bytes.data_ptr());
    return storages_.emplace(spec.storageKey, std::move(bytes)).first->second;
  }

  torch::Tensor Materialize(const TensorSpec& spec, const std::string& name) {
    const torch::Tensor& bytes = StorageBytes(spec, name);
    const auto item = static_cast<std::uint64_t>(c10::elementSize(spec.dtype));
    const std::uint64_t storageNumel = spec.storageBytes / item;

    // Every element the view can reach must lie inside the storage. Arithmetic saturates at
    // 2^64 - 1, far beyond any storage, so no product or sum can wrap.
    std::uint64_t numel = 1, extent = 1, last = static_cast<std::uint64_t>(spec.offset);
    for (std::size_t d = 0; d < spec.sizes.size(); ++d) {
      const auto size = static_cast<std::uint64_t>(spec.sizes[d]);
      numel = SaturatingMul(numel, size);
      extent = SaturatingMul(extent, std::max<std::uint64_t>(size, 1));
      if (size > 0) last = SaturatingAdd(last, SaturatingMul(size - 1, static_cast<std::uint64_t>(spec.strides[d])));
    }
    // Even an empty tensor gets contiguous strides from its shape; keep them in range.
    if (extent > (std::uint64_t{1} << 62)) Fail("tensor '" + name + "' has an impossibly large shape");
    const bool inside = numel == 0 ? static_cast<std::uint64_t>(spec.offset) <= storageNumel : last < storageNumel;
    if (!inside) {
      Fail("tensor '" + name + "' views elements outside its storage '" + spec.storageKey + "' of " +
           std::to_string(storageNumel) + " elements");
    }
    const std::uint64_t needed = SaturatingMul(numel, item);
    if (needed > budget_)
      Fail("tensor '" + name + "' would expand the checkpoint beyond " + std::to_string(limit_) + " bytes in memory");
    budget_ -= needed;

    const torch::Tensor typed = bytes.narrow(0, 0, static_cast<std::int64_t>(storageNumel * item)).view(spec.dtype);
    torch::Tensor t = typed.as_strided(spec.sizes, spec.strides, spec.offset).contiguous();
    if (spec.dtype == torch::kBool && t.numel() > 0 && t.view(torch::kUInt8).gt(1).any().item<bool>()) {
      Fail("bool tensor '" + name + "' holds bytes other than 0 and 1");
    }
    return t;
  }

  ZipReader zip_;
  std::string what_;
  std::string prefix_;
  std::map<std::string, torch::Tensor> storages_;
  std::uint64_t limit_ = 0;
  std::uint64_t budget_ = 0;
};

}  // namespace

bool LooksLikeZip(const unsigned char* head, std::size_t size) {
  return size >= 4 && head[0] == 'P' && head[1] == 'K' &&
         ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6));
}

bool LooksLikePickle(const unsigned char* head, std::size_t size) {
  if (size >= sizeof kLegacyMagic && std::memcmp(head, kLegacyMagic, sizeof kLegacyMagic) == 0) return true;
  return size >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5;
}

WeightsFile ReadTorchCheckpoint(const std::string& path) { return CheckpointReader(path).Read(); }

}  // namespace fasttune::io
