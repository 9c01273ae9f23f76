// Renders a vega-lite chart to an SVG string (vega's headless view) or a PNG (SVG through sharp).
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { FasttuneError } from '../core/errors.js';
import { invalidParameterError } from '../core/validate.js';

/** The chart as an SVG document. */
export async function chartToSvg(spec: TopLevelSpec): Promise<string> {
  // Loaded on first use: plotting is rare and vega is large.
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes the chart to `file`: PNG (2× resolution) or SVG, chosen by the extension. Returns `file`. */
export async function writeChart(spec: TopLevelSpec, file: string): Promise<string> {
  const ext = typeof file === 'string' ? extname(file).toLowerCase() : '';
  if (ext !== '.png' && ext !== '.svg') {
    throw invalidParameterError('plot', 'file', 'a file name ending in .png or .svg', file);
  }
  const svg = await chartToSvg(spec);
  let data: string | Buffer = svg;
  if (ext === '.png') {
    const { default: sharp } = await import('sharp');
    data = await sharp(Buffer.from(svg), { density: 144 }).png().toBuffer();
  }
  try {
    await writeFile(file, data);
  } catch (error) {
    throw new FasttuneError(`plot: cannot write ${file}: ${(error as Error).message}`, 'E_IO');
  }
  return file;
}
