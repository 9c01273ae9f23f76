// How LibTorch's OpenMP threads wait between parallel operations, decided when the addon loads
// (the OpenMP runtime reads it once, as it starts).
//
// By default GNU OpenMP threads spin for a while before sleeping. That pays on a machine with idle
// cores, but a spinning thread holds a core the team's other threads, sharp's decoders or another
// process need, and each of the hundreds of parallel operations of a training step then waits for
// a descheduled thread: on a shared 2-core machine a ResNet-34 step (bs 32 @ 128 px) took 10-12 s
// instead of 6-7 s. Passive waiting is the default here; OMP_WAIT_POLICY or GOMP_SPINCOUNT set by
// the user win.

/** Runs `load` (which loads the addon) with OMP_WAIT_POLICY=PASSIVE unless a policy was chosen. */
export function withOpenMpDefaults<T>(load: () => T): T {
  const env = process.env;
  if (env.OMP_WAIT_POLICY !== undefined || env.GOMP_SPINCOUNT !== undefined) return load();
  env.OMP_WAIT_POLICY = 'PASSIVE';
  try {
    return load();
  } finally {
    delete env.OMP_WAIT_POLICY; // read once already; child processes keep their own defaults
  }
}
