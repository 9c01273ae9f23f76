// Inference calls on one model, one after another: the native model runs one job at a time
// (E_BUSY otherwise), so `Promise.all(files.map((f) => learn.predict(f)))` must queue its steps.
const tails = new WeakMap<object, Promise<unknown>>();

/** Runs `job` after every job queued before it on `key` has settled. */
export function serially<T>(key: object, job: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  const next = previous.then(job, job);
  tails.set(
    key,
    next.catch(() => undefined),
  );
  return next;
}
