// The native image path (native/image/): libjpeg decodes JPEGs and a resampler with Pillow's
// arithmetic makes bases and RandomResizedCrop windows, so those pixels equal fastai's PIL ones
// and cost a fraction of a sharp call. Other formats, CMYK, corrupt files and every refusal stay
// with sharp, which also words the errors. FASTTUNE_JPEG_DECODER=sharp (read once) turns the JPEG path off;
// without the addon (or, for JPEGs, a build without libjpeg) sharp does everything.
import { native, type Binding } from '../native.js';
import type { BaseSpec, Window } from './item-geometry.js';
import type { RawImage } from './pixels.js';

/** Decodes a JPEG (path or file bytes) to its base; null when the input is left to sharp. */
export type JpegDecoder = (input: string | Uint8Array, spec: BaseSpec | null, maxPixels: number) => Promise<RawImage | null>;

/** The `win` window of `image` resized to width × height (PIL's crop + bilinear resize). */
export type WindowResampler = (image: RawImage, win: Window, width: number, height: number) => Promise<Uint8Array>;

let binding: Binding | null | undefined;
let jpegDecoder: JpegDecoder | null | undefined;
let windowResampler: WindowResampler | null | undefined;

function loaded(): Binding | null {
  if (binding === undefined) {
    try {
      binding = native();
    } catch {
      binding = null; // the addon does not load here; sharp does the work (training would say why)
    }
  }
  return binding;
}

/** The native JPEG decoder, or null when JPEGs go through sharp (resolved once per thread). */
export function nativeJpegDecoder(): JpegDecoder | null {
  if (jpegDecoder === undefined) {
    const b = loaded();
    jpegDecoder = b?.decodeJpegBase && process.env.FASTTUNE_JPEG_DECODER !== 'sharp' ? b.decodeJpegBase.bind(b) : null;
  }
  return jpegDecoder;
}

/** The native window resampler, or null when sharp resamples (resolved once per thread). */
export function nativeWindowResampler(): WindowResampler | null {
  if (windowResampler === undefined) {
    const b = loaded();
    windowResampler = b
      ? (image, win, width, height) => b.resampleWindow(image.data, image.width, image.height, [win.left, win.top, win.width, win.height], width, height)
      : null;
  }
  return windowResampler;
}
