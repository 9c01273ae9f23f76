// SPDX-License-Identifier: Apache-2.0
#include "parallel/data_parallel.h"

#include <algorithm>
#include <unordered_map>

#include <torch/csrc/distributed/c10d/comm.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>

#include "core/error.h"

namespace fasttune::dist {

namespace {

// DDP's defaults (torch/nn/parallel/distributed.py): a small first bucket so the first
// all-reduce starts early in backward, 25 MiB after it, 250 MiB broadcast buckets.
constexpr int64_t kFirstBucketBytes = 1024 * 1024;
constexpr int64_t kBucketBytes = 25 * 1024 * 1024;
constexpr int64_t kBroadcastBytes = 250 * 1024 * 1024;

std::string FirstLine(const std::exception& e) {
  const c10::Error* torchError = dynamic_cast<const c10::Error*>(&e);
  const std::string text = torchError ? torchError->what_without_backtrace() : e.what();
  return text.substr(0, text.find('\n'));
}

// FNV-1a over every tensor's name, shape and dtype: equal on ranks that hold the same model.
uint64_t Fingerprint(const std::vector<ReplicaTensor>& state) {
  uint64_t h = 14695981039346656037ull;
  const auto mix = [&h](const std::string& text) {
    for (const unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  };
  for (const ReplicaTensor& t : state) {
    mix(t.name);
    for (const int64_t d : t.tensor.sizes()) mix("," + std::to_string(d));
    mix(std::string(";") + c10::toString(t.tensor.scalar_type()) + "|");
  }
  return h;
}

// Every rank learns which ranks' models differ from rank 0's, so all of them stop with the same
// message (c10d's own check below catches the rest).
void CheckSameModel(ProcessGroup& group, const std::vector<ReplicaTensor>& state) {
  const uint64_t h = Fingerprint(state);
  const torch::Tensor mine = torch::tensor(
      {static_cast<double>(h >> 32), static_cast<double>(h & 0xffffffffull), static_cast<double>(state.size())},
      torch::kFloat64);
  const std::vector<torch::Tensor> all = group.AllGather(mine);
  std::string differ;
  for (size_t r = 1; r < all.size(); ++r) {
    if (!torch::equal(all[r], all[0])) differ += (differ.empty() ? "" : ", ") + std::to_string(r);
  }
  if (!differ.empty()) {
    throw CodedError(kDist, "the ranks hold different models (rank" +
                                std::string(differ.find(',') == std::string::npos ? " " : "s ") + differ +
                                " differ from rank 0 in tensor names, shapes or dtypes; every rank needs the same "
                                "architecture, classes and options)");
  }
}

}  // namespace

DataParallel::DataParallel(std::shared_ptr<ProcessGroup> group, std::vector<ReplicaTensor> state)
    : group_(std::move(group)), state_(std::move(state)) {
  CheckSameModel(*group_, state_);
  std::vector<torch::Tensor> tensors;
  for (const ReplicaTensor& t : state_) tensors.push_back(t.tensor.detach());
  try {
    c10d::verify_params_across_processes(group_->group(), tensors, c10::nullopt);
  } catch (const std::exception& e) {
    throw CodedError(
        kDist,
        "the ranks hold different models (the same architecture, classes and options are needed on every rank): " +
            FirstLine(e));
  }
  torch::NoGradGuard noGrad;
  try {
    c10d::broadcast_coalesced(group_->group(), tensors, kBroadcastBytes, 0);
  } catch (const std::exception& e) {
    throw CodedError(
        kDist, "broadcasting rank 0's weights failed on rank " + std::to_string(group_->rank()) + ": " + FirstLine(e));
  }
}

DataParallel::~DataParallel() { Reset(); }

void DataParallel::Reset() {
  try {
    reducer_.reset();
  } catch (...) {
    // ~Reducer may throw (noexcept(false)); a failed reducer has nothing left to release.
  }
}

void DataParallel::Rethrow(std::exception_ptr failure) {
  Reset();
  try {
    std::rethrow_exception(failure);
  } catch (const CodedError&) {
    throw;
  } catch (const std::exception& e) {
    // Gloo's own errors (a closed or reset connection, a timeout) come through as they were
    // raised in its worker threads, c10::Error or not.
    const std::string why = FirstLine(e);
    bool collective = false;
    for (const char* mark : {"gloo", "Gloo", "onnection", "peer", "imed out", "c10d"})
      collective |= why.find(mark) != std::string::npos;
    if (!collective) throw;
    throw CodedError(kDist, "averaging the gradients failed on rank " + std::to_string(group_->rank()) +
                                " (another rank stopped or lost its connection): " + why);
  }
}

void DataParallel::SyncBuffers() {
  std::vector<torch::Tensor> buffers;
  for (const ReplicaTensor& t : state_) {
    if (!t.isParam) buffers.push_back(t.tensor.detach());
  }
  if (!buffers.empty() && group_->worldSize() > 1) {
    torch::NoGradGuard noGrad;
    try {
      c10d::broadcast_coalesced(group_->group(), buffers, kBroadcastBytes, 0);
    } catch (const std::exception& e) {
      throw CodedError(kDist, "broadcasting rank 0's buffers failed on rank " + std::to_string(group_->rank()) +
                                  " (another rank stopped or lost its connection): " + FirstLine(e));
    }
  }
}

void DataParallel::BeforeForward() {
  SyncBuffers();
  if (!reducer_) {
    std::vector<torch::Tensor> params;
    std::unordered_map<size_t, std::string> names;
    for (const ReplicaTensor& t : state_) {
      if (!t.isParam || !t.tensor.requires_grad()) continue;
      names[params.size()] = t.name;
      params.push_back(t.tensor);
    }
    const std::vector<bool> sparse(params.size(), false);
    auto [buckets, limits] = c10d::compute_bucket_assignment_by_size(
        params, {static_cast<size_t>(kFirstBucketBytes), static_cast<size_t>(kBucketBytes)}, sparse);
    // Gradients arrive roughly in reverse order of the parameters: so do the buckets (as in DDP).
    std::reverse(buckets.begin(), buckets.end());
    std::reverse(limits.begin(), limits.end());
    reducer_ = std::make_shared<c10d::Reducer>(params, buckets, limits, group_->group(), sparse, kBucketBytes,
                                               /*find_unused_parameters=*/false, /*gradient_as_bucket_view=*/false,
                                               names, kFirstBucketBytes);
  }
  reducer_->prepare_for_forward();
}

void DataParallel::BeforeBackward() {
  if (!reducer_) throw CodedError(kNative, "DataParallel::BeforeBackward without BeforeForward");
  reducer_->prepare_for_backward({});
}

}  // namespace fasttune::dist
