/** Error codes a {@link FasttuneError} can carry. */
export type ErrorCode =
  | 'E_TORCH' // LibTorch raised
  | 'E_NATIVE' // any other native failure
  | 'E_ARG' // a bad argument
  | 'E_BUSY' // the object is already running a job
  | 'E_DISPOSED' // the object was disposed
  | 'E_IO' // a file is missing, unreadable or corrupt
  | 'E_WEIGHTS' // weights do not fit the model
  | 'E_NAN' // training produced a NaN or infinite loss
  | 'E_LOAD' // the native addon could not be loaded
  | 'E_DIST' // data parallel: the rendezvous failed, a rank was lost, or the ranks disagree
  | 'E_INTERRUPTED'; // a fit stopped on a signal (SIGINT) after saving a checkpoint

/**
 * The one error class fasttune throws. `code` says what kind of failure it is; the message says
 * which file, key or argument was at fault.
 */
export class FasttuneError extends Error {
  readonly code: ErrorCode;

  constructor(message: string, code: ErrorCode = 'E_NATIVE') {
    super(message);
    this.name = 'FasttuneError';
    this.code = code;
  }
}

/**
 * Awaits a native job and, when it fails, re-throws its error with the caller's stack
 * (native errors are born on a worker thread and carry no useful JS stack).
 */
export async function withCallerStack<T>(job: Promise<T>): Promise<T> {
  const caller = new Error();
  try {
    return await job;
  } catch (error) {
    if (error instanceof Error && caller.stack) {
      const header = `${error.name}: ${error.message}`;
      error.stack = [header, ...caller.stack.split('\n').slice(2)].join('\n');
    }
    throw error;
  }
}
