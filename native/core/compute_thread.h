// SPDX-License-Identifier: Apache-2.0
// One thread of the process runs every model's LibTorch work, whichever pool thread asked for it.
//  - Memory: glibc gives each thread its own heap (arena) for small and mid-sized blocks, and a
//    block freed goes back to the heap it came from. Steps that ran on whichever of libuv's pool
//    threads was free spread their activations over up to four heaps, each keeping its high-water
//    mark: a ResNet-34 step at bs 32 @ 128 px peaked at 1.59 GiB instead of 1.03 GiB.
//  - Threads: OpenMP keeps a team of worker threads per thread that starts parallel work; one
//    master means one team.
//  - The pool threads stay free for the image decoder (sharp) while they wait.
// The calling thread blocks until its task is done; tasks run one at a time, in arrival order.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

namespace fasttune {

// Runs `task` on the compute thread (inline when already there); its exception, if any, is
// rethrown here.
void RunOnComputeThread(const std::function<void()>& task);

template <typename F>
auto OnComputeThread(F&& f) -> std::invoke_result_t<F&> {
  using Result = std::invoke_result_t<F&>;
  if constexpr (std::is_void_v<Result>) {
    RunOnComputeThread([&] { f(); });
  } else {
    std::optional<Result> result;
    RunOnComputeThread([&] { result.emplace(f()); });
    return std::move(*result);
  }
}

}  // namespace fasttune
