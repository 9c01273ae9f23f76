// SPDX-License-Identifier: Apache-2.0
// The safetensors format: 8-byte little-endian header length, a JSON header, then raw data.
#pragma once

#include <string>

#include "io/weights.h"

namespace fasttune::io {

// Headers larger than this are refused before anything is allocated.
inline constexpr std::uint64_t kMaxSafetensorsHeader = 100ull << 20;

bool LooksLikeSafetensors(const std::string& path);

WeightsFile ReadSafetensors(const std::string& path);

// Writes to a temporary file beside `path`, syncs it, then renames it over `path`, so an
// interrupted write never leaves a broken file in place.
void WriteSafetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata);

}  // namespace fasttune::io
