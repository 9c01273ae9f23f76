// SPDX-License-Identifier: Apache-2.0
// CRC-32 (IEEE 802.3, the polynomial ZIP uses), to verify archive entries as they are read.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fasttune::io {

// Continues `crc` (0 to start) over `size` bytes at `data`.
std::uint32_t Crc32(std::uint32_t crc, const void* data, std::size_t size);

}  // namespace fasttune::io
