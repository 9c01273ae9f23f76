// Small tools for Learner unit tests: an output that records what is written, and a callback
// that logs every event it sees.
import { EVENTS, type Callback, type EventName, type Learner } from '../../src/index.js';

/** Collects everything the Learner writes. */
export class CapturedOutput {
  text = '';
  constructor(readonly isTTY = false) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  lines(): string[] {
    return this.text.split('\n').filter((l) => l.length > 0);
  }
}

/** A callback with every event; logs `event` (batch events as `event:train@i` / `event:valid@i`). */
export function eventLogger(log: string[], extra: Partial<Record<EventName, (learn: Learner) => void>> = {}, order = 0): Callback {
  const cb: Record<string, unknown> = { name: 'EventLogger', order };
  for (const event of EVENTS) {
    cb[event] = (learn: Learner) => {
      const batchEvent = event === 'beforeBatch' || event === 'afterBatch' || event === 'afterCancelBatch';
      log.push(batchEvent ? `${event}:${learn.training ? 'train' : 'valid'}@${learn.iter}` : event);
      extra[event]?.(learn);
    };
  }
  return cb as Callback;
}
