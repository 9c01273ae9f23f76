// An error that is an HTTP answer: its status, the kind `/metrics` counts, and extra headers.
import type { ErrorKind } from './metrics.js';

export class HttpError extends Error {
  override name = 'HttpError';

  constructor(
    readonly status: number,
    readonly kind: ErrorKind,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}
