// The native JPEG path (native/image/jpeg_base.h): libjpeg decodes, a resampler with Pillow's
// arithmetic makes the base, so JPEG bases equal fastai's PIL pixels and cost about a third of a
// sharp call. Other formats, CMYK, corrupt files and every refusal stay with sharp, which also
// words the errors. Absent when the addon was built without libjpeg or cannot load, or when
// FASTTUNE_JPEG_DECODER=sharp.
import { native } from '../native.js';
import type { RawImage } from './pixels.js';
import type { BaseSpec } from './transforms.js';

/** Decodes a JPEG (path or file bytes) to its base; null when the input is left to sharp. */
export type JpegDecoder = (input: string | Uint8Array, spec: BaseSpec | null, maxPixels: number) => Promise<RawImage | null>;

let decoder: JpegDecoder | null | undefined;

/** The native JPEG decoder of this thread, or null when JPEGs go through sharp. */
export function nativeJpegDecoder(): JpegDecoder | null {
  if (decoder !== undefined) return decoder;
  decoder = null;
  if (process.env.FASTTUNE_JPEG_DECODER === 'sharp') return decoder;
  try {
    const binding = native();
    if (binding.decodeJpegBase) decoder = binding.decodeJpegBase.bind(binding);
  } catch {
    // The addon does not load here; sharp decodes everything (training would say why).
  }
  return decoder;
}
