// SPDX-License-Identifier: Apache-2.0
// Reads ZIP archives whose entries are stored uncompressed, as torch.save writes them. Everything
// the archive declares (counts, sizes, offsets, names) is checked against the file before any
// buffer is sized from it.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fasttune::io {

struct ZipEntry {
  std::string name;
  std::uint64_t size = 0;        // uncompressed
  std::uint64_t storedSize = 0;  // bytes in the file; equals size for stored entries
  std::uint64_t dataOffset = 0;  // absolute offset of the entry's first byte in the file
  std::uint32_t crc32 = 0;
  std::uint16_t method = 0;  // 0: stored; anything else cannot be read
};

class ZipReader {
 public:
  // A central directory larger than this is refused (a million entries fit in far less).
  static constexpr std::uint64_t kMaxCentralDirectory = 64ull << 20;

  // Opens `path` and validates its central directory and local headers. Throws
  // CodedError(E_IO) naming the file when the archive is malformed, encrypted or spans several
  // disks. Compressed entries are listed but refused when read.
  explicit ZipReader(const std::string& path);

  const std::string& path() const { return path_; }
  std::uint64_t fileSize() const { return fileSize_; }
  const std::vector<ZipEntry>& entries() const { return entries_; }  // central directory order
  const ZipEntry* Find(std::string_view name) const;

  // Throws unless the entry is stored; then entry.size bytes lie inside the file, so a buffer of
  // that size is bounded by the file size.
  void RequireStored(const ZipEntry& entry) const;
  // Copies a stored entry's bytes into `out` (entry.size bytes) and verifies its CRC-32.
  void Read(const ZipEntry& entry, void* out);
  // The entry as a string; entries larger than `maxSize` are refused before reading.
  std::string ReadString(const ZipEntry& entry, std::uint64_t maxSize);

 private:
  [[noreturn]] void Corrupt(const std::string& why) const;
  void ReadAt(std::uint64_t offset, void* out, std::uint64_t size, const char* what);
  void ParseCentralDirectory();
  void LocateData(std::uint64_t dataLimit, const std::vector<std::uint64_t>& localOffsets);

  std::string path_;
  std::ifstream in_;
  std::uint64_t fileSize_ = 0;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, std::size_t> index_;  // name -> position in entries_
};

}  // namespace fasttune::io
