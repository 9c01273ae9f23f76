// Types for progress.mjs.
import type { DownloadProgress } from './download.mjs';

export interface Progress {
  update(progress: DownloadProgress): void;
  done(): void;
}

export function formatBytes(bytes: number): string;
export function createProgress(
  label: string,
  options?: { stream?: NodeJS.WritableStream & { isTTY?: boolean }; tty?: boolean; now?: () => number },
): Progress;
