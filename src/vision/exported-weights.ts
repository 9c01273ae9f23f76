// Pretrained weights from a learner exported by fasttune: its body always, its head only when it
// fits the new model (same layers, same number of outputs). A head that does not fit is left
// fresh, and the caller is told what differed; a body that does not fit is refused.
import { FasttuneError } from '../core/errors.js';
import { readSafetensorsHeader } from '../io/safetensors-header.js';
import { EXPORT_FORMAT, parseExportMetadata, type ExportMetadata } from '../learner/export-metadata.js';
import { createHead, describeHead, headWeightsFit, type HeadLayer } from '../model/head.js';
import { checkCut } from '../model/body-layout.js';
import type { VisionModel } from '../model/vision-model.js';

/** The export metadata of `path`, or null when it is not a safetensors file exported by fasttune. */
async function exportOf(path: string): Promise<ExportMetadata | null> {
  if (!path.toLowerCase().endsWith('.safetensors')) return null;
  const header = await readSafetensorsHeader(path).catch(() => null); // unreadable: loadWeights says why
  if (!header || header.metadata.format !== EXPORT_FORMAT) return null;
  return parseExportMetadata(header.metadata, path);
}

/** The head an export holds: its recorded layers, or (before format 3) fastai's default head for its ps. */
function exportedHead(meta: ExportMetadata): readonly HeadLayer[] {
  if (meta.head) return meta.head;
  const { nf } = checkCut('loadLearner', 'cut', meta.arch, meta.cut ?? undefined);
  return createHead(nf, meta.nOut, { ps: meta.ps }).layers;
}

/** What differs between the exported head and the model's, in words. */
function headDifference(meta: ExportMetadata, exported: readonly HeadLayer[], model: VisionModel): string {
  const layers = model.architecture.head.layers;
  const differences: string[] = [];
  if (meta.nOut !== model.nOut) {
    differences.push(`${meta.nOut} outputs${meta.vocab.length ? ` (${meta.vocab.join(', ')})` : ''} where this model has ${model.nOut}`);
  }
  // Another number of outputs alone changes only the last widths; other layers are worth listing.
  const sameLayerTypes = exported.length === layers.length && exported.every((l, i) => l.type === layers[i]?.type);
  if (!sameLayerTypes || differences.length === 0) differences.push(`a head of ${describeHead(exported)} where this model's is ${describeHead(layers)}`);
  return differences.join(', and ');
}

/**
 * Loads `path` into `model` as pretrained weights. A learner exported by fasttune fills the body
 * and, when its head fits, the head; otherwise the head stays as initialised and the returned line
 * says so (naming the file and what differed). An export of another architecture or cut is
 * refused with E_WEIGHTS, naming both. Any other file loads as `model.loadWeights` loads it.
 */
export async function loadPretrainedWeights(where: string, model: VisionModel, path: string): Promise<string | undefined> {
  const meta = await exportOf(path);
  if (!meta) {
    await model.loadWeights(path);
    return undefined;
  }
  const { arch, cut } = model.architecture;
  const kept = (a: typeof arch, c: number | null | undefined) => checkCut(where, 'cut', a, c ?? undefined).length;
  if (meta.arch !== arch || kept(meta.arch, meta.cut) !== kept(arch, cut)) {
    const body = (a: string, c: number | null | undefined) => `${a}${c === null || c === undefined ? '' : ` cut at ${c}`}`;
    throw new FasttuneError(
      `${where}: weights file ${path} is a learner exported with a ${body(meta.arch, meta.cut)} body; this model's body is a ${body(arch, cut)}, which its weights do not fit`,
      'E_WEIGHTS',
    );
  }
  const exported = exportedHead(meta);
  if (meta.nOut === model.nOut && headWeightsFit(exported, model.architecture.head.layers)) {
    await model.loadWeights(path, { part: 'full' });
    return undefined;
  }
  await model.loadWeights(path, { part: 'body' });
  return `${where}: ${path} is a learner exported with ${headDifference(meta, exported, model)}: its body is loaded, the head starts fresh`;
}
