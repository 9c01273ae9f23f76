// learn.save / learn.load: the model and, for resuming, the optimizer state (Adam moments and
// step counts), the per-group hyper-parameters, the frozen groups, the dropout generator and the
// training loader's epoch, in one safetensors file under `path/modelDir`.
import { checkBoolean, checkOptions, checkString } from '../core/validate.js';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FieldReader } from './metadata-reader.js';
import { FasttuneError } from '../core/errors.js';
import { readSafetensorsHeader } from '../io/safetensors-header.js';
import { readWeights, writeWeights, type WeightsTensor } from '../io/weights.js';
import type { GroupHypers, ModelCore } from '../model/types.js';
import { libraryVersion } from '../core/version.js';
import type { LearnerState } from './learner-state.js';

/** Options of `learn.save`. */
export interface SaveOptions {
  /** Also keep the optimizer state and what resuming needs (default true). */
  withOpt?: boolean;
}

/** Options of `learn.load`. */
export interface LoadOptions {
  /** Also restore the optimizer state and what resuming needs, if the file has it (default true). */
  withOpt?: boolean;
}

/** A model with what save/load need (the optional members of {@link ModelCore} that a VisionModel has). */
type PersistentModel = ModelCore & Required<Pick<ModelCore, 'stateDict' | 'loadStateDict' | 'optimizerState' | 'loadOptimizerState'>>;

/** The metadata key of a saved state. */
const STATE_KEY = 'fasttune.state';
const STATE_FORMAT = 'fasttune-training-state';
const STATE_FORMAT_VERSION = 1;
const OPT_PREFIX = 'opt.';
const RNG_NAME = 'rng.dropout';
const HYPER_NAMES = ['lr', 'mom', 'sqrMom', 'eps', 'wd'] as const;

/**
 * Where a fit stopped mid-way, saved with a checkpoint so that `fit…(n, { resume })` continues
 * from the next batch: the fit's epoch count, the epoch and training batch to start at, and the
 * training loader epoch that was running (null when the loader has no settable epoch).
 */
export interface ResumePoint {
  nEpoch: number;
  epoch: number;
  iter: number;
  loaderEpoch: number | null;
}

interface SavedState {
  formatVersion: number;
  libraryVersion: string;
  nOut: number;
  nGroups: number;
  withOpt: boolean;
  hypers: GroupHypers[] | null;
  frozenTo: number;
  /** The next epoch of the training loader, when it has a settable one. */
  trainEpoch: number | null;
  /** Where an interrupted fit stopped (absent in files of plain saves). */
  resumePoint?: ResumePoint | null;
}

function persistent(model: ModelCore, where: string): PersistentModel {
  if (!model.stateDict || !model.loadStateDict || !model.optimizerState || !model.loadOptimizerState) {
    throw new FasttuneError(
      `${where}: this model cannot be saved (it needs stateDict, loadStateDict, optimizerState and loadOptimizerState, as a VisionModel has)`,
      'E_ARG',
    );
  }
  return model as PersistentModel;
}

/** `path/modelDir/name.safetensors` (a name that is already a path to a .safetensors file is kept). */
function statePath(learn: LearnerState, name: string, where = 'save'): string {
  checkString(where, 'name', name);
  return resolve(learn.path, learn.modelDir, name.endsWith('.safetensors') ? name : `${name}.safetensors`);
}

function trainEpochOf(learn: LearnerState): number | null {
  return learn.dls.train.epoch ?? null;
}

/** fastai's `learn.save`; resolves to the file written. */
export async function saveState(learn: LearnerState, name: string, options: SaveOptions = {}, resumePoint: ResumePoint | null = null): Promise<string> {
  const o = checkOptions('save', options, ['withOpt']);
  const withOpt = o.withOpt === undefined ? true : checkBoolean('save', 'withOpt', o.withOpt);
  const model = persistent(learn.model, 'save');
  const path = statePath(learn, name);
  const tensors: Array<Pick<WeightsTensor, 'name' | 'shape' | 'data'>> = await model.stateDict();
  if (withOpt) {
    for (const t of await model.optimizerState()) tensors.push({ ...t, name: OPT_PREFIX + t.name });
    const rng = model.randomState?.();
    if (rng) tensors.push({ name: RNG_NAME, shape: [rng.length], data: rng });
  }
  const state: SavedState = {
    formatVersion: STATE_FORMAT_VERSION,
    libraryVersion: libraryVersion(),
    nOut: model.nOut,
    nGroups: model.nGroups,
    withOpt,
    hypers: withOpt && learn.hypers ? learn.hypers.map((h) => ({ ...h })) : null,
    frozenTo: learn.frozenTo,
    trainEpoch: withOpt ? trainEpochOf(learn) : null,
    resumePoint,
  };
  await mkdir(dirname(path), { recursive: true });
  await writeWeights(path, tensors, { format: STATE_FORMAT, [STATE_KEY]: JSON.stringify(state) });
  return path;
}

function parseState(metadata: Record<string, string>, path: string, model: ModelCore): SavedState | null {
  if (metadata[STATE_KEY] === undefined) return null;
  const r = FieldReader.parse(path, STATE_KEY, metadata[STATE_KEY]);
  const formatVersion = r.integer('formatVersion', 1);
  if (formatVersion > STATE_FORMAT_VERSION) {
    throw new FasttuneError(`${path} was saved in format ${formatVersion} by a newer fasttune; this version reads format ${STATE_FORMAT_VERSION}`, 'E_IO');
  }
  r.only(['formatVersion', 'libraryVersion', 'nOut', 'nGroups', 'withOpt', 'hypers', 'frozenTo', 'trainEpoch', 'resumePoint']);
  const nGroups = r.integer('nGroups', 1);
  if (nGroups !== model.nGroups) {
    throw new FasttuneError(`${path} was saved from a model with ${nGroups} parameter groups; this one has ${model.nGroups}`, 'E_WEIGHTS');
  }
  let hypers: GroupHypers[] | null = null;
  if (!r.isNull('hypers')) {
    const groups = r.objects('hypers');
    if (groups.length !== nGroups) throw r.fail('hypers', `one entry per parameter group (${nGroups})`);
    hypers = groups.map((g) => {
      g.only(HYPER_NAMES);
      return { lr: g.number('lr', 0), mom: g.number('mom', 0), sqrMom: g.number('sqrMom', 0), eps: g.number('eps', 0), wd: g.number('wd', 0) };
    });
  }
  return {
    formatVersion,
    libraryVersion: r.string('libraryVersion'),
    nOut: r.integer('nOut', 1),
    nGroups,
    withOpt: r.boolean('withOpt'),
    hypers,
    frozenTo: r.integer('frozenTo', 0, nGroups),
    trainEpoch: r.isNull('trainEpoch') ? null : r.integer('trainEpoch', 0),
    resumePoint: parseResumePoint(r),
  };
}

function parseResumePoint(r: FieldReader): ResumePoint | null {
  const p = r.has('resumePoint') ? r.object('resumePoint', true) : null;
  if (!p) return null;
  p.only(['nEpoch', 'epoch', 'iter', 'loaderEpoch']);
  const nEpoch = p.integer('nEpoch', 1);
  return {
    nEpoch,
    epoch: p.integer('epoch', 0, nEpoch),
    iter: p.integer('iter', 0),
    loaderEpoch: p.isNull('loaderEpoch') ? null : p.integer('loaderEpoch', 0),
  };
}

/**
 * fastai's `learn.load`: the weights, and with `withOpt` (when the file has them) the frozen
 * groups, optimizer state, hyper-parameters, dropout generator and training loader epoch, so that
 * a fit with `startEpoch` continues exactly where the saved one stopped. The file and its
 * metadata are checked before anything changes; the weights, then the optimizer state, are each
 * loaded all or nothing (the native side checks every name and shape first).
 */
export async function loadState(learn: LearnerState, name: string, options: LoadOptions = {}): Promise<string> {
  return (await loadStateWithResumePoint(learn, name, options)).path;
}

/** {@link loadState}, also returning where an interrupted fit stopped (null for a plain save). */
export async function loadStateWithResumePoint(
  learn: LearnerState,
  name: string,
  options: LoadOptions = {},
  { where = 'load', needResumePoint = false }: { where?: string; needResumePoint?: boolean } = {},
): Promise<{ path: string; resumePoint: ResumePoint | null }> {
  const o = checkOptions(where, options, ['withOpt']);
  const withOpt = o.withOpt === undefined ? true : checkBoolean(where, 'withOpt', o.withOpt);
  const model = persistent(learn.model, where);
  const path = statePath(learn, name, where);
  const file = await readWeights(path);
  const state = parseState(file.metadata, path, model);
  const weights = file.tensors.filter((t) => !t.name.startsWith(OPT_PREFIX) && t.name !== RNG_NAME);
  const optimizer = file.tensors.filter((t) => t.name.startsWith(OPT_PREFIX)).map((t) => ({ ...t, name: t.name.slice(OPT_PREFIX.length) }));
  const rng = file.tensors.find((t) => t.name === RNG_NAME);
  if (rng && !(rng.data instanceof Uint8Array)) throw new FasttuneError(`${path}: tensor '${RNG_NAME}' must hold bytes (U8)`, 'E_IO');
  if (needResumePoint && !(withOpt && state?.withOpt && state.resumePoint)) {
    throw new FasttuneError(
      `${where}: ${path} is not the checkpoint of an interrupted fit (it has no resume point); load it with learn.load and pass startEpoch instead`,
      'E_ARG',
    );
  }

  await model.loadStateDict(weights, path);
  if (!withOpt) return { path, resumePoint: null };
  if (!state?.withOpt) {
    process.emitWarning(`${where}: ${path} does not contain an optimizer state; only the weights were loaded`, { code: 'FASTTUNE_NO_OPT_STATE' });
    return { path, resumePoint: null };
  }
  // Freezing clears the optimizer state, so it comes first.
  learn.freezeTo(state.frozenTo);
  await model.loadOptimizerState(optimizer);
  learn.hypers = state.hypers ? state.hypers.map((h) => ({ ...h })) : undefined;
  if (rng && model.setRandomState) model.setRandomState(rng.data as Uint8Array);
  if (state.trainEpoch !== null && learn.dls.train.epoch !== undefined) learn.dls.train.epoch = state.trainEpoch;
  return { path, resumePoint: state.resumePoint ?? null };
}

/**
 * How many groups a checkpoint was saved with frozen, from its header alone (0 when it has none or
 * cannot be read: loading it then says what is wrong).
 */
export async function checkpointFrozenTo(learn: LearnerState, name: string, where = 'resume'): Promise<number> {
  const path = statePath(learn, name, where);
  const header = await readSafetensorsHeader(path).catch(() => null);
  return (header && parseState(header.metadata, path, learn.model)?.frozenTo) ?? 0;
}
