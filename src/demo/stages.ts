// The demo's console: a heading per stage, what the stage took, and the plain lines in between.
import { performance } from 'node:perf_hooks';
import type { ProgressOutput } from '../learner/learner-state.js';

/** How long one stage took. */
export interface StageTiming {
  name: string;
  seconds: number;
}

/** Seconds as `12.3 s` or `4 min 05 s`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

/** Runs the demo's stages one after the other, announcing and timing each. */
export class Stages {
  readonly timings: StageTiming[] = [];
  private readonly started = performance.now();

  constructor(readonly out: ProgressOutput) {}

  /** A line of text. */
  say(text = ''): void {
    this.out.write(`${text}\n`);
  }

  /** Runs `body` as the stage `name`: a heading before, its time after. */
  async run<T>(name: string, body: () => Promise<T>): Promise<T> {
    this.say();
    this.say(`── ${name} ${'─'.repeat(Math.max(3, 76 - name.length))}`);
    const start = performance.now();
    try {
      return await body();
    } finally {
      const seconds = (performance.now() - start) / 1000;
      this.timings.push({ name, seconds });
      this.say(`   ⏱  ${name}: ${formatSeconds(seconds)}`);
    }
  }

  /** Seconds since the demo started. */
  elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }
}
