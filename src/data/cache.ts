// A bounded store of decoded base images. Items are admitted until the budget is spent and never
// evicted: with a fresh random order every epoch, any eviction policy would throw away images
// about to be read again, whereas a fixed resident set serves the same fraction every epoch.
import type { RawImage } from './pixels.js';

export class ImageCache {
  private readonly images = new Map<string, RawImage>();
  private used = 0;

  constructor(readonly maxBytes: number) {}

  get(key: string): RawImage | undefined {
    return this.images.get(key);
  }

  /** Keeps `image` if it fits in what is left of the budget. */
  offer(key: string, image: RawImage): void {
    const bytes = image.data.byteLength;
    if (this.images.has(key) || this.used + bytes > this.maxBytes) return;
    this.images.set(key, image);
    this.used += bytes;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.used;
  }

  /** Images held. */
  get size(): number {
    return this.images.size;
  }

  clear(): void {
    this.images.clear();
    this.used = 0;
  }
}
