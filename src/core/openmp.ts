// How LibTorch's OpenMP threads wait between parallel operations, decided when the addon loads
// (the OpenMP runtime reads it once, as it starts).
//
// By default GNU OpenMP threads spin for a while before sleeping. That pays on a machine with idle
// cores, but a spinning thread holds a core the team's other threads, sharp's decoders or another
// process need, and each of the hundreds of parallel operations of a training step then waits for
// a descheduled thread: on a shared 2-core machine a ResNet-34 step (bs 32 @ 128 px) took 10-12 s
// instead of 6-7 s. Passive waiting is the default here; OMP_WAIT_POLICY or GOMP_SPINCOUNT set by
// the user win.
//
// OpenBLAS (Debian's libblas.so.3 when libopenblas0-pthread is installed) runs single-threaded
// unless OPENBLAS_NUM_THREADS says otherwise. Its pthread build shuts its thread pool down at every
// fork() of the process (a pthread_atfork handler), and a BLAS call running at that moment on the
// compute thread then waits forever for workers that are gone: any child_process.spawn during a
// step could hang it (about one run in ten of a spawn-heavy test here). LibTorch's own threads
// (OpenMP, oneDNN) still parallelize the convolutions; BLAS only serves the head's linear layers.

/** The variables set while the addon loads, each unless the user chose a value. */
const LOAD_DEFAULTS: readonly { name: string; value: string; unlessSet: readonly string[] }[] = [
  { name: 'OMP_WAIT_POLICY', value: 'PASSIVE', unlessSet: ['OMP_WAIT_POLICY', 'GOMP_SPINCOUNT'] },
  { name: 'OPENBLAS_NUM_THREADS', value: '1', unlessSet: ['OPENBLAS_NUM_THREADS'] },
];

/**
 * Runs `load` (which loads the addon) with OMP_WAIT_POLICY=PASSIVE and OPENBLAS_NUM_THREADS=1,
 * each unless the user set it.
 */
export function withOpenMpDefaults<T>(load: () => T): T {
  const env = process.env;
  const set = LOAD_DEFAULTS.filter((d) => d.unlessSet.every((name) => env[name] === undefined));
  for (const d of set) env[d.name] = d.value;
  try {
    return load();
  } finally {
    for (const d of set) delete env[d.name]; // read once already; child processes keep their own defaults
  }
}
