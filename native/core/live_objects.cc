// SPDX-License-Identifier: Apache-2.0
#include "core/live_objects.h"

#include <atomic>

namespace fasttune {

namespace {
// Process-wide: worker threads load the addon again but share these.
std::atomic<std::int64_t> liveModels{0};
std::atomic<std::int64_t> liveJobs{0};
}  // namespace

void CountLive(LiveKind kind, std::int64_t delta) {
  (kind == LiveKind::kModel ? liveModels : liveJobs).fetch_add(delta, std::memory_order_relaxed);
}

LiveObjects CurrentLiveObjects() {
  return {liveModels.load(std::memory_order_relaxed), liveJobs.load(std::memory_order_relaxed)};
}

}  // namespace fasttune
