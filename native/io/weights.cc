// SPDX-License-Identifier: Apache-2.0
#include "io/weights.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/error.h"
#include "io/safetensors.h"

namespace fasttune::io {

WeightsFile ReadWeights(const std::string& path) {
  std::ifstream probe(path, std::ios::binary);
  if (!probe) throw CodedError(kIo, "cannot open weights file " + path + ": " + std::strerror(errno));
  char magic[4] = {};
  probe.read(magic, sizeof magic);
  if (probe.gcount() == 0) throw CodedError(kIo, "weights file " + path + " is empty");
  if (LooksLikeSafetensors(path)) return ReadSafetensors(path);
  throw CodedError(kIo, "weights file " + path + " is neither safetensors nor a PyTorch zip checkpoint");
}

}  // namespace fasttune::io
