// SPDX-License-Identifier: Apache-2.0
// A data-parallel process group on PyTorch's c10d, as torch.distributed.init_process_group makes
// it: a TCPStore for the rendezvous (rank 0 serves it) and Gloo for the collectives. Every wait is
// bounded by `timeout`; a failure is a CodedError(kDist) that says what was waited for.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

namespace fasttune {
// Data parallel failed: rendezvous, a lost rank, a mismatch (mirrored in src/core/errors.ts).
inline constexpr const char* kDist = "E_DIST";
}  // namespace fasttune

namespace fasttune::dist {

struct GroupOptions {
  int rank = 0;
  int worldSize = 1;
  std::string masterAddr = "127.0.0.1";
  int masterPort = 29500;
  std::chrono::milliseconds timeout{120000};  // rendezvous and every collective
};

class ProcessGroup {
 public:
  explicit ProcessGroup(const GroupOptions& options);
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return options_.rank; }
  int worldSize() const { return options_.worldSize; }
  std::chrono::milliseconds timeout() const { return options_.timeout; }
  const c10::intrusive_ptr<c10d::ProcessGroup>& group() const { return group_; }

  void Barrier();
  // Every rank's `values` (float64, 1-D, lengths may differ), in rank order.
  std::vector<torch::Tensor> AllGather(const torch::Tensor& values);
  // `tensors` on every rank become rank 0's (in place).
  void Broadcast(std::vector<torch::Tensor>& tensors);

  // Waits for `work` within the timeout; a failure names what was being done.
  void Wait(const c10::intrusive_ptr<c10d::Work>& work, const std::string& what);

 private:
  GroupOptions options_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroup> group_;
};

}  // namespace fasttune::dist
