// SPDX-License-Identifier: Apache-2.0
#include "io/zip_reader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "io/crc32.h"

namespace fasttune::io {

namespace {

constexpr std::uint32_t kLocalHeaderSig = 0x04034b50;
constexpr std::uint32_t kCentralHeaderSig = 0x02014b50;
constexpr std::uint32_t kEndSig = 0x06054b50;
constexpr std::uint32_t kZip64EndSig = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSig = 0x07064b50;
constexpr std::uint64_t kLocalHeaderSize = 30;
constexpr std::uint64_t kCentralHeaderSize = 46;
constexpr std::uint64_t kEndSize = 22;
constexpr std::uint64_t kZip64LocatorSize = 20;
constexpr std::uint64_t kZip64EndSize = 56;
constexpr std::uint64_t kMaxComment = 0xFFFF;
constexpr std::uint16_t kZip64ExtraId = 0x0001;

std::uint16_t Le16(const unsigned char* p) { return static_cast<std::uint16_t>(p[0] | p[1] << 8); }
std::uint32_t Le32(const unsigned char* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}
std::uint64_t Le64(const unsigned char* p) { return std::uint64_t{Le32(p)} | std::uint64_t{Le32(p + 4)} << 32; }

// Names are printed in errors; keep control bytes out of messages.
std::string Printable(std::string_view name) {
  std::string out;
  for (const char c : name.substr(0, 200)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      static const char* kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  if (name.size() > 200) out += "...";
  return out;
}

// Why `name` could point outside the archive's own namespace, or "" when it is a plain relative
// path. We never write entries to disk, but a name that tries to escape marks a hostile file.
std::string UnsafeNameReason(std::string_view name) {
  if (name.empty()) return "an empty name";
  if (name.find('\0') != std::string_view::npos) return "a NUL byte";
  if (name.find('\\') != std::string_view::npos) return "a backslash";
  if (name.front() == '/') return "an absolute path";
  if (name.size() >= 2 && name[1] == ':' && std::isalpha(static_cast<unsigned char>(name[0]))) return "a drive letter";
  std::string_view rest = name;
  if (rest.back() == '/') rest.remove_suffix(1);  // a directory entry
  while (true) {
    const std::size_t slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    if (part.empty()) return "an empty path component";
    if (part == "." || part == "..") return "a '" + std::string(part) + "' component";
    if (slash == std::string_view::npos) return "";
    rest.remove_prefix(slash + 1);
  }
}

}  // namespace

ZipReader::ZipReader(const std::string& path) : path_(path), in_(path, std::ios::binary) {
  if (!in_) throw CodedError(kIo, "cannot open " + path + ": " + std::strerror(errno));
  in_.seekg(0, std::ios::end);
  const std::streamoff end = in_.tellg();
  if (end < 0) Corrupt("its size cannot be determined");
  fileSize_ = static_cast<std::uint64_t>(end);
  ParseCentralDirectory();
}

void ZipReader::Corrupt(const std::string& why) const {
  throw CodedError(kIo, "corrupt zip archive " + path_ + ": " + why);
}

void ZipReader::ReadAt(std::uint64_t offset, void* out, std::uint64_t size, const char* what) {
  if (offset > fileSize_ || size > fileSize_ - offset) Corrupt(std::string(what) + " lies beyond the end of the file");
  if (size == 0) return;
  in_.clear();
  in_.seekg(static_cast<std::streamoff>(offset));
  if (!in_.read(static_cast<char*>(out), static_cast<std::streamsize>(size))) {
    Corrupt(std::string("cannot read ") + what + " (the file shrank or is unreadable)");
  }
}

void ZipReader::ParseCentralDirectory() {
  if (fileSize_ < kEndSize) Corrupt("too short to hold an end-of-central-directory record");
  // The end record sits in the last 22 bytes plus a comment of at most 64 KiB; search backwards
  // for a signature whose comment length reaches exactly to the end of the file.
  const std::uint64_t tailSize = std::min(fileSize_, kEndSize + kMaxComment);
  const std::uint64_t tailStart = fileSize_ - tailSize;
  std::vector<unsigned char> tail(tailSize);
  ReadAt(tailStart, tail.data(), tailSize, "the end-of-central-directory record");
  std::uint64_t endAt = tailSize;
  for (std::uint64_t i = tailSize - kEndSize + 1; i-- > 0;) {
    if (Le32(&tail[i]) == kEndSig && i + kEndSize + Le16(&tail[i + 20]) == tailSize) {
      endAt = i;
      break;
    }
  }
  if (endAt == tailSize) Corrupt("no end-of-central-directory record (not a zip file, or truncated)");
  const unsigned char* end = &tail[endAt];
  const std::uint64_t endPos = tailStart + endAt;

  std::uint64_t disk = Le16(end + 4), cdDisk = Le16(end + 6), entriesHere = Le16(end + 8);
  std::uint64_t entryCount = Le16(end + 10), cdSize = Le32(end + 12), cdOffset = Le32(end + 16);
  std::uint64_t cdLimit = endPos;  // the central directory must end before the records that follow it

  unsigned char locator[kZip64LocatorSize];
  bool zip64 = false;
  if (endPos >= kZip64LocatorSize) {
    ReadAt(endPos - kZip64LocatorSize, locator, kZip64LocatorSize, "the ZIP64 locator");
    zip64 = Le32(locator) == kZip64LocatorSig;
  }
  if (zip64) {
    const std::uint64_t locatorPos = endPos - kZip64LocatorSize;
    const std::uint64_t recordPos = Le64(locator + 8);
    if (Le32(locator + 4) != 0 || Le32(locator + 16) > 1) Corrupt("spans several disks, which is not supported");
    if (recordPos > locatorPos || locatorPos - recordPos < kZip64EndSize)
      Corrupt("the ZIP64 end record lies outside the file");
    unsigned char record[kZip64EndSize];
    ReadAt(recordPos, record, kZip64EndSize, "the ZIP64 end record");
    if (Le32(record) != kZip64EndSig) Corrupt("the ZIP64 locator points at no ZIP64 end record");
    const std::uint64_t recordSize = Le64(record + 4);
    if (recordSize < kZip64EndSize - 12 || recordSize > locatorPos - recordPos - 12)
      Corrupt("the ZIP64 end record has a bad size");
    disk = Le32(record + 16);
    cdDisk = Le32(record + 20);
    entriesHere = Le64(record + 24);
    entryCount = Le64(record + 32);
    cdSize = Le64(record + 40);
    cdOffset = Le64(record + 48);
    cdLimit = recordPos;
  } else if (entryCount == 0xFFFF || cdSize == 0xFFFFFFFF || cdOffset == 0xFFFFFFFF) {
    Corrupt("declares ZIP64 values but has no ZIP64 locator");
  }
  if (disk != 0 || cdDisk != 0 || entriesHere != entryCount) Corrupt("spans several disks, which is not supported");
  if (cdOffset > cdLimit || cdSize > cdLimit - cdOffset) {
    Corrupt("central directory (offset " + std::to_string(cdOffset) + ", " + std::to_string(cdSize) +
            " bytes) lies outside the file");
  }
  if (cdSize > kMaxCentralDirectory)
    Corrupt("central directory of " + std::to_string(cdSize) + " bytes exceeds the 64 MiB limit");
  if (entryCount > cdSize / kCentralHeaderSize) {
    Corrupt(std::to_string(entryCount) + " entries cannot fit in a central directory of " + std::to_string(cdSize) +
            " bytes");
  }

  std::vector<unsigned char> cd(cdSize);
  ReadAt(cdOffset, cd.data(), cdSize, "the central directory");
  entries_.reserve(entryCount);
  std::vector<std::uint64_t> localOffsets;
  localOffsets.reserve(entryCount);
  std::uint64_t pos = 0;
  for (std::uint64_t i = 0; i < entryCount; ++i) {
    const std::string which = "central directory entry " + std::to_string(i);
    if (cdSize - pos < kCentralHeaderSize || Le32(&cd[pos]) != kCentralHeaderSig) Corrupt(which + " is malformed");
    const unsigned char* h = &cd[pos];
    const std::uint16_t flags = Le16(h + 8), method = Le16(h + 10);
    const std::uint64_t nameLength = Le16(h + 28), extraLength = Le16(h + 30), commentLength = Le16(h + 32);
    if (cdSize - pos - kCentralHeaderSize < nameLength + extraLength + commentLength)
      Corrupt(which + " runs past the central directory");
    ZipEntry entry;
    entry.name.assign(reinterpret_cast<const char*>(h + kCentralHeaderSize), nameLength);
    entry.crc32 = Le32(h + 16);
    std::uint64_t compressed = Le32(h + 20), size = Le32(h + 24), local = Le32(h + 42);
    std::uint64_t startDisk = Le16(h + 34);

    // ZIP64 extra field: 64-bit values for exactly those fields saturated above, in this order.
    const unsigned char* extra = h + kCentralHeaderSize + nameLength;
    for (std::uint64_t e = 0; e + 4 <= extraLength;) {
      const std::uint16_t id = Le16(extra + e), length = Le16(extra + e + 2);
      if (e + 4 + length > extraLength) Corrupt(which + " has a malformed extra field");
      if (id == kZip64ExtraId) {
        const unsigned char* field = extra + e + 4;
        std::uint64_t left = length;
        auto take64 = [&](std::uint64_t& value) {
          if (left < 8) Corrupt(which + " has a truncated ZIP64 extra field");
          value = Le64(field);
          field += 8;
          left -= 8;
        };
        if (size == 0xFFFFFFFF) take64(size);
        if (compressed == 0xFFFFFFFF) take64(compressed);
        if (local == 0xFFFFFFFF) take64(local);
        if (startDisk == 0xFFFF) {
          if (left < 4) Corrupt(which + " has a truncated ZIP64 extra field");
          startDisk = Le32(field);
        }
      }
      e += 4 + length;
    }
    pos += kCentralHeaderSize + nameLength + extraLength + commentLength;

    const std::string label = "entry '" + Printable(entry.name) + "'";
    if (const std::string why = UnsafeNameReason(entry.name); !why.empty())
      Corrupt(label + " has an unsafe name (" + why + ")");
    if (flags & 0x41) Corrupt(label + " is encrypted, which is not supported");
    if (startDisk != 0) Corrupt("spans several disks, which is not supported");
    if (method == 0 && compressed != size)
      Corrupt(label + " is stored but declares different compressed and uncompressed sizes");
    if (entry.name.back() == '/' && size != 0) Corrupt(label + " is a directory with data");
    if (!index_.emplace(entry.name, entries_.size()).second) Corrupt(label + " appears twice");
    entry.size = size;
    entry.storedSize = compressed;
    entry.method = method;
    entries_.push_back(std::move(entry));
    localOffsets.push_back(local);
  }
  if (pos != cdSize) Corrupt("central directory holds more bytes than its " + std::to_string(entryCount) + " entries");
  LocateData(cdOffset, localOffsets);
}

void ZipReader::LocateData(std::uint64_t dataLimit, const std::vector<std::uint64_t>& localOffsets) {
  struct Span {
    std::uint64_t begin, end;
    std::size_t index;
  };
  std::vector<Span> spans;
  spans.reserve(entries_.size());
  std::string localName;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    ZipEntry& entry = entries_[i];
    const std::string label = "entry '" + Printable(entry.name) + "'";
    const std::uint64_t local = localOffsets[i];
    if (local > dataLimit || dataLimit - local < kLocalHeaderSize)
      Corrupt(label + " has its local header outside the data area");
    unsigned char h[kLocalHeaderSize];
    ReadAt(local, h, kLocalHeaderSize, "a local header");
    if (Le32(h) != kLocalHeaderSig) Corrupt(label + " points at no local header");
    if (Le16(h + 8) != entry.method) Corrupt(label + " has a different compression method in its local header");
    const std::uint64_t nameLength = Le16(h + 26), extraLength = Le16(h + 28);
    const std::uint64_t headerEnd = local + kLocalHeaderSize + nameLength + extraLength;
    if (headerEnd > dataLimit) Corrupt(label + " has its local header outside the data area");
    localName.resize(nameLength);
    ReadAt(local + kLocalHeaderSize, localName.data(), nameLength, "a local header name");
    if (localName != entry.name) Corrupt(label + " has a different name in its local header");
    if (entry.storedSize > dataLimit - headerEnd) {
      Corrupt(label + " declares " + std::to_string(entry.storedSize) + " bytes, more than the archive holds");
    }
    entry.dataOffset = headerEnd;
    spans.push_back({local, headerEnd + entry.storedSize, i});
  }
  // Entries sharing bytes would let a small file pose as a huge one.
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  for (std::size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].begin < spans[i - 1].end) {
      Corrupt("entries '" + Printable(entries_[spans[i - 1].index].name) + "' and '" +
              Printable(entries_[spans[i].index].name) + "' overlap");
    }
  }
}

const ZipEntry* ZipReader::Find(std::string_view name) const {
  const auto it = index_.find(std::string(name));
  return it == index_.end() ? nullptr : &entries_[it->second];
}

void ZipReader::RequireStored(const ZipEntry& entry) const {
  if (entry.method != 0) {
    Corrupt("entry '" + Printable(entry.name) + "' is compressed (method " + std::to_string(entry.method) +
            "); only stored entries, as torch.save writes them, are supported");
  }
}

void ZipReader::Read(const ZipEntry& entry, void* out) {
  RequireStored(entry);
  ReadAt(entry.dataOffset, out, entry.size, "entry data");
  // A zero CRC over non-empty data means the writer skipped it
  // (torch.serialization.set_crc32_options(False)); there is nothing to compare then.
  if (entry.crc32 == 0 && entry.size != 0) return;
  const std::uint32_t actual = Crc32(0, out, entry.size);
  if (actual != entry.crc32) Corrupt("entry '" + Printable(entry.name) + "' fails its CRC-32 check");
}

std::string ZipReader::ReadString(const ZipEntry& entry, std::uint64_t maxSize) {
  RequireStored(entry);
  if (entry.size > maxSize) {
    Corrupt("entry '" + Printable(entry.name) + "' of " + std::to_string(entry.size) + " bytes exceeds the limit of " +
            std::to_string(maxSize));
  }
  std::string out(entry.size, '\0');
  Read(entry, out.data());
  return out;
}

}  // namespace fasttune::io
