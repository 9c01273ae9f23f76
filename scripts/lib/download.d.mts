// Types for download.mjs, which the TypeScript sources share with the install script.

export interface DownloadProgress {
  received: number;
  /** 0 when the server did not say. */
  total: number;
}

export interface DownloadRetry {
  attempt: number;
  retries: number;
  delayMs: number;
  error: DownloadError;
}

export interface DownloadOptions {
  url: string;
  dest: string;
  sha256?: string | null;
  sha256Prefix?: string | null;
  timeoutMs?: number;
  idleTimeoutMs?: number;
  retries?: number;
  retryDelayMs?: number;
  onProgress?: (progress: DownloadProgress) => void;
  onRetry?: (retry: DownloadRetry) => void;
  fetchImpl?: typeof fetch;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  sha256: string;
}

export class DownloadError extends Error {
  readonly url: string | undefined;
  readonly status: number | undefined;
  readonly permanent: boolean;
  readonly kind: 'network' | 'http' | 'checksum';
}

export function sha256File(path: string): Promise<string>;
export function downloadFile(options: DownloadOptions): Promise<DownloadResult>;
