// A first-come-first-served limit on concurrent jobs, so images are decoded in the order the
// batches need them and no more of them are in flight than the decoder has threads.

export class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly slots: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
