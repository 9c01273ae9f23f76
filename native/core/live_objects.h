// SPDX-License-Identifier: Apache-2.0
// Counts of native objects alive, so that long runs can be shown to release what they create.
#pragma once

#include <cstdint>

namespace fasttune {

enum class LiveKind { kModel, kJob };

struct LiveObjects {
  std::int64_t models = 0;  // VisionModels not yet freed
  std::int64_t jobs = 0;    // async jobs queued, running or not yet settled
};

void CountLive(LiveKind kind, std::int64_t delta);
LiveObjects CurrentLiveObjects();

// A member that counts its owner among the live objects of `kind` for as long as it exists.
template <LiveKind kind>
class LiveCounter {
 public:
  LiveCounter() { CountLive(kind, 1); }
  LiveCounter(const LiveCounter&) { CountLive(kind, 1); }
  LiveCounter& operator=(const LiveCounter&) { return *this; }
  ~LiveCounter() { CountLive(kind, -1); }
};

}  // namespace fasttune
