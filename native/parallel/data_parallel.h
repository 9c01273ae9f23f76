// SPDX-License-Identifier: Apache-2.0
// What torch.nn.parallel.DistributedDataParallel adds to one model replica, with its engine: the
// state broadcast from rank 0 at the start, rank 0's buffers (BatchNorm statistics) broadcast
// before each training forward, and c10d::Reducer averaging the gradients in buckets while
// backward runs. The model calls the three hooks around its own forward and backward.
#pragma once

#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "parallel/process_group.h"

namespace c10d {
class Reducer;
}  // namespace c10d

namespace fasttune::dist {

struct ReplicaTensor {
  std::string name;
  torch::Tensor tensor;
  bool isParam = false;
};

class DataParallel {
 public:
  // Checks that every rank holds the same model (names, shapes, dtypes) and copies rank 0's state
  // into this replica, as DDP's constructor does.
  DataParallel(std::shared_ptr<ProcessGroup> group, std::vector<ReplicaTensor> state);
  ~DataParallel();

  const ProcessGroup& group() const { return *group_; }

  // Rank 0's buffers (BatchNorm statistics) into this replica.
  void SyncBuffers();
  // Before a training forward: rank 0's buffers, and the Reducer over the parameters that
  // require a gradient now (built again after they changed).
  void BeforeForward();
  // Before backward: the Reducer's gradient hooks armed for this pass.
  void BeforeBackward();
  // Trainable parameters changed (freezing), or a pass failed half-way: the next forward builds
  // a fresh Reducer.
  void Reset();
  // Rethrows the failure of a forward or backward pass after Reset(): a collective's failure as
  // E_DIST that says which rank saw it, anything else as it was.
  [[noreturn]] void Rethrow(std::exception_ptr failure);

 private:
  std::shared_ptr<ProcessGroup> group_;
  std::vector<ReplicaTensor> state_;
  std::shared_ptr<c10d::Reducer> reducer_;
};

}  // namespace fasttune::dist
