// SPDX-License-Identifier: Apache-2.0
// What torch.save puts in a checkpoint's pickle for a tensor: the globals it may name, and the
// rebuild calls (storage, dtype, offset, size, stride) decoded into a plain description.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "io/pickle.h"

namespace fasttune::io {

struct TensorSpec {
  std::string storageKey;          // the archive holds the bytes at <prefix>data/<key>
  std::uint64_t storageBytes = 0;  // as declared by the persistent id
  torch::ScalarType dtype = torch::kFloat32;
  std::int64_t offset = 0;  // in elements of dtype
  std::vector<std::int64_t> sizes;
  std::vector<std::int64_t> strides;
};

// Whether a checkpoint's pickle may name `qualifiedName`: the tensor rebuild functions, storage
// and dtype names, OrderedDict and _codecs.encode, and the numpy scalars fastai's optimizer
// state carries. Nothing here is ever called.
bool AllowedCheckpointGlobal(const std::string& qualifiedName);

// Whether `r` is a call to one of the tensor rebuild functions.
bool IsTensorCall(const pickle::Pickle& p, pickle::Ref r);

// Decodes the tensor at `r`. Throws CodedError(E_IO) starting with `what` when it is not a
// tensor, has an unsupported dtype, or carries malformed arguments. The view is not yet checked
// against its storage.
TensorSpec DecodeTensor(const pickle::Pickle& p, pickle::Ref r, const std::string& what);

}  // namespace fasttune::io
