// SPDX-License-Identifier: Apache-2.0
#include "io/weights.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/error.h"
#include "io/safetensors.h"
#include "io/torch_checkpoint.h"

namespace fasttune::io {

WeightsFile ReadWeights(const std::string& path) {
  std::ifstream probe(path, std::ios::binary);
  if (!probe) throw CodedError(kIo, "cannot open weights file " + path + ": " + std::strerror(errno));
  unsigned char head[16] = {};
  probe.read(reinterpret_cast<char*>(head), sizeof head);
  const auto got = static_cast<std::size_t>(probe.gcount());
  if (got == 0) throw CodedError(kIo, "weights file " + path + " is empty");
  if (LooksLikeZip(head, got)) return ReadTorchCheckpoint(path);
  if (LooksLikeSafetensors(path)) return ReadSafetensors(path);
  if (LooksLikePickle(head, got)) {
    throw CodedError(kIo, "weights file " + path +
                              " is a bare pickle: a legacy torch.save checkpoint (before PyTorch 1.6) or pickle.dump. "
                              "Only zip checkpoints are read; re-save it with PyTorch >= 1.6: "
                              "torch.save(torch.load(path), path)");
  }
  throw CodedError(kIo, "weights file " + path + " is neither safetensors nor a PyTorch zip checkpoint");
}

}  // namespace fasttune::io
