// SPDX-License-Identifier: Apache-2.0
// PyTorch's zip checkpoints (torch.save since PyTorch 1.6): <prefix>/data.pkl describes the
// object, <prefix>/data/<key> hold the raw storages. Read without Python and without running
// anything the pickle names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "io/weights.h"

namespace fasttune::io {

// data.pkl larger than this is refused before it is read; real state dicts need a few MB.
inline constexpr std::uint64_t kMaxCheckpointPickle = 64ull << 20;

// A local file header or an empty archive's end record.
bool LooksLikeZip(const unsigned char* head, std::size_t size);

// A bare pickle: what torch.save wrote before PyTorch 1.6, or pickle.dump.
bool LooksLikePickle(const unsigned char* head, std::size_t size);

// Reads the state dict of a torch.save checkpoint: a bare state dict, or one under 'model'
// (fastai's learn.save, beside 'opt') or 'state_dict'. Tensors come back contiguous, in file
// order, on the CPU; requires_grad is dropped. Throws CodedError(E_IO) naming the file.
WeightsFile ReadTorchCheckpoint(const std::string& path);

}  // namespace fasttune::io
