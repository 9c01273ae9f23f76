// Decodes an image file into RGB uint8 pixels: JPEGs by the native path (./native-image.ts), the
// rest with one sharp call. Either way EXIF orientation is applied, shrink-on-load and a single
// bilinear resample give the requested base size, grey/CMYK/16-bit become 8-bit sRGB and alpha
// is dropped (as PIL's convert('RGB') does). Failures become FasttuneErrors that name the file
// and say what is wrong with it.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import sharp from 'sharp';
import { FasttuneError } from '../core/errors.js';
import { nativeJpegDecoder } from './native-image.js';
import type { RawImage } from './pixels.js';
import type { BaseSpec } from './item-geometry.js';

/** PIL refuses images over twice its MAX_IMAGE_PIXELS as decompression bombs; so do we. */
export const DEFAULT_MAX_PIXELS = 2 * 89_478_485;

export interface DecodeLimits {
  /** Largest width × height accepted. */
  maxPixels: number;
}

function toRaw(pipeline: sharp.Sharp): Promise<{ data: Buffer; info: sharp.OutputInfo }> {
  return pipeline.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
}

function resized(pipeline: sharp.Sharp, spec: BaseSpec | null): sharp.Sharp {
  if (!spec) return pipeline;
  return pipeline.resize({
    width: spec.width,
    height: spec.height,
    fit: spec.fit,
    kernel: 'linear',
    withoutEnlargement: spec.withoutEnlargement,
  });
}

/** What can be decoded: a file path, the bytes of an image file, or a sharp pipeline. */
export type ImageInput = string | Buffer | Uint8Array | sharp.Sharp;

/** A sharp pipeline (duck-typed: sharp's instances are not of an exported class). */
export function isSharp(input: unknown): input is sharp.Sharp {
  return (
    input !== null && typeof input === 'object' && typeof (input as sharp.Sharp).clone === 'function' && typeof (input as sharp.Sharp).toBuffer === 'function'
  );
}

/** How an input is named in messages. */
export function describeInput(input: ImageInput): string {
  if (typeof input === 'string') return input;
  return isSharp(input) ? 'the given sharp image' : `the given ${input.length}-byte buffer`;
}

/** Decodes `input` to RGB pixels sized per `spec` (the decoded size when null). */
export async function decodeImage(input: ImageInput, spec: BaseSpec | null, limits: DecodeLimits): Promise<RawImage> {
  const jpeg = isSharp(input) ? null : nativeJpegDecoder();
  const decoded = jpeg
    ? await jpeg(input as string | Uint8Array, spec, limits.maxPixels).catch((error: unknown) => {
        // The native side refuses a base over maxPixels; the message gains the file's name.
        if (!(error instanceof FasttuneError && error.code === 'E_IO')) throw error;
        throw new FasttuneError(`Cannot read image ${describeInput(input)}: ${error.message}`, 'E_IO');
      })
    : null;
  return decoded ?? decodeWithSharp(input, spec, limits);
}

/** {@link decodeImage} by sharp alone. */
export async function decodeWithSharp(input: ImageInput, spec: BaseSpec | null, limits: DecodeLimits): Promise<RawImage> {
  const options = { limitInputPixels: limits.maxPixels, autoOrient: true, failOn: 'warning' } as const;
  // A sharp pipeline is the caller's: it keeps its own options and is cloned, never consumed.
  const open = () => (isSharp(input) ? input.clone() : sharp(input, options));
  try {
    let { data, info } = await toRaw(resized(open(), spec));
    if (info.premultiplied) {
      // The file has alpha and sharp resampled premultiplied pixels. PIL drops alpha first and
      // keeps the colour under transparent pixels, so decode without resampling, then resample.
      const flat = await toRaw(open());
      const raw = { width: flat.info.width, height: flat.info.height, channels: 3 as const };
      ({ data, info } = await toRaw(resized(sharp(flat.data, { raw }), spec)));
    }
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels instead of 3`);
    return { data, width: info.width, height: info.height };
  } catch (error) {
    throw typeof input === 'string' ? await describeFailure(input, error, limits) : describeDataFailure(input, error, limits);
  }
}

function describeDataFailure(input: Exclude<ImageInput, string>, error: unknown, limits: DecodeLimits): FasttuneError {
  const detail = error instanceof Error ? error.message : String(error);
  const fail = (why: string) => new FasttuneError(`Cannot read image (${describeInput(input)}): ${why}`, 'E_IO');
  if (!isSharp(input) && input.length === 0) return fail('it is empty (0 bytes)');
  if (/exceeds pixel limit/i.test(detail)) return fail(`it has more than ${limits.maxPixels} pixels (the maxPixels limit)`);
  if (/unsupported image format/i.test(detail)) return fail('not an image format sharp can decode (JPEG, PNG, WebP, GIF, TIFF, AVIF)');
  return fail(`corrupt or truncated (${detail.split('\n')[0]})`);
}

/**
 * Decodes `path` cheaply (shrink-on-load to a thumbnail) to find out whether it is a readable
 * image; used to skip bad files before a run. Resolves to the error, or null when the file is fine.
 */
export async function checkImage(path: string, limits: DecodeLimits): Promise<FasttuneError | null> {
  try {
    await sharp(path, { limitInputPixels: limits.maxPixels, failOn: 'warning' }).resize({ width: 16, height: 16, fit: 'inside' }).raw().toBuffer();
    return null;
  } catch (error) {
    return describeFailure(path, error, limits);
  }
}

async function describeFailure(path: string, error: unknown, limits: DecodeLimits): Promise<FasttuneError> {
  const detail = error instanceof Error ? error.message : String(error);
  const fail = (why: string) => new FasttuneError(`Cannot read image ${path}: ${why}`, 'E_IO');
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => e);
  if (info instanceof Error) {
    return fail(info.code === 'ENOENT' ? 'no such file' : `cannot access it (${info.code ?? info.message})`);
  }
  if (info.isDirectory()) return fail('it is a directory, not a file');
  if (info.size === 0) return fail('the file is empty (0 bytes)');
  const readable = await access(path, constants.R_OK).then(
    () => true,
    () => false,
  );
  if (!readable) return fail('permission denied');
  if (/exceeds pixel limit/i.test(detail)) {
    return fail(
      `it has more than ${limits.maxPixels} pixels (the maxPixels limit, a guard against decompression bombs); ` + 'raise maxPixels if you trust this file',
    );
  }
  if (/unsupported image format/i.test(detail)) return fail('not an image format sharp can decode (JPEG, PNG, WebP, GIF, TIFF, AVIF)');
  return fail(`the file is corrupt or truncated (${detail.split('\n')[0]})`);
}
