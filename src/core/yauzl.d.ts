// The part of yauzl (which ships no types) that unzip.js uses.
declare module 'yauzl' {
  import type { EventEmitter } from 'node:events';
  import type { Readable } from 'node:stream';

  export interface Entry {
    fileName: string;
    crc32: number;
    externalFileAttributes: number;
  }

  export interface ZipFile extends EventEmitter {
    readEntry(): void;
    openReadStream(entry: Entry, callback: (error: Error | null, stream: Readable) => void): void;
    close(): void;
  }

  export interface Options {
    lazyEntries?: boolean;
    autoClose?: boolean;
    validateEntrySizes?: boolean;
  }

  export function open(path: string, options: Options, callback: (error: Error | null, zip: ZipFile) => void): void;

  const yauzl: { open: typeof open };
  export default yauzl;
}
