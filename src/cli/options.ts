// Options shared by `train` and `lr-find`, and reading option values.
import { ARCH_NAMES } from '../model/arch-names.js';
import { closest } from '../core/validate.js';
import { accuracy, errorRate, type Metric, topKAccuracy } from '../learner/metrics.js';
import { type OptionSpec, type OptionValues, UsageError } from './command.js';

/** Folder names taken as the validation set next to `train/`, in the order they are looked for. */
export const VALID_FOLDER_NAMES = ['valid', 'val', 'validation'] as const;

export const DATA_OPTIONS: Record<string, OptionSpec> = {
  pattern: { type: 'string', valueName: 'regex', description: 'label each file by group 1 of this regex on its name', default: 'by parent folder' },
  csv: {
    type: 'string',
    valueName: 'file',
    description: 'labels from a CSV in the folder: file names in its first column, labels in its second (header row first)',
    default: 'labels from folders',
  },
  'label-delim': {
    type: 'string',
    valueName: 'text',
    description: "with --csv: split each label cell into several labels (multi-label), e.g. ' '",
    default: 'one label per image',
  },
  regression: { type: 'boolean', description: 'with --csv: the label column holds numbers to predict (regression, MSE loss)', default: 'off' },
  valid: {
    type: 'string',
    valueName: 'name',
    description: `validation folder next to train/ (e.g. test); without it ${VALID_FOLDER_NAMES.join(', ')} are looked for`,
    default: 'the first found, else a random split',
  },
  'valid-pct': {
    type: 'string',
    valueName: 'fraction',
    description: 'validation share of a random split (of train/ when there is one, even beside a validation folder)',
    default: '0.2 when there is no validation folder',
  },
  seed: { type: 'string', valueName: 'n', description: 'seed of the split, the shuffles, the augmentation and the new layers', default: '42' },
  size: {
    type: 'string',
    valueName: 'pixels',
    description: 'image side the model sees (items are presized to 460/224 of it, then augmented and resized)',
    default: '224',
  },
  bs: { type: 'string', valueName: 'n', description: 'batch size', default: '64' },
  'no-augment': { type: 'boolean', description: 'no batch augmentation (flips, rotations, lighting...)', default: 'off' },
  'skip-bad-images': {
    type: 'boolean',
    description: 'leave out images that cannot be read, with a count (without it such images stop the command before training)',
    default: 'off: stop',
  },
  arch: { type: 'string', valueName: 'name', description: `architecture: ${ARCH_NAMES.join(', ')}`, default: 'resnet34' },
  weights: {
    type: 'string',
    valueName: 'name|file',
    description:
      "pretrained body: a weights name ('IMAGENET1K_V1') or a .pth/.safetensors file; a model exported for other classes gives its body (the head starts fresh)",
    default: "torchvision's, from the torch hub cache or downloaded",
  },
  'no-pretrained': { type: 'boolean', description: 'start from random weights', default: 'off' },
  metrics: {
    type: 'string',
    valueName: 'names',
    description: 'metrics after each epoch, comma-separated (error_rate, accuracy, top_k_accuracy)',
    default: 'error_rate',
  },
  device: { type: 'string', valueName: 'device', description: "'cpu', 'cuda', 'cuda:N' or 'auto'", default: 'auto' },
};

/** The metrics `--metrics` accepts, by the column names they print. */
const METRICS: Readonly<Record<string, () => Metric>> = { error_rate: () => errorRate, accuracy: () => accuracy, top_k_accuracy: () => topKAccuracy() };

/** The metrics of `--metrics` (default error_rate). */
export function metricsOption(values: OptionValues): Metric[] {
  // error_rate needs one class per image: multi-label and regression runs show their loss unless asked.
  const fallback = values['label-delim'] !== undefined || values.regression === true ? [] : ['error_rate'];
  const names =
    typeof values.metrics === 'string'
      ? values.metrics
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean)
      : fallback;
  return names.map((name) => (METRICS[choiceOf('metrics', name, Object.keys(METRICS))] as () => Metric)());
}

/** A numeric option: an integer or a number within bounds, else a usage error. */
export function numberOption(values: OptionValues, name: string, fallback: number, { integer = false, min = -Infinity, max = Infinity } = {}): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    const range = max < Infinity ? ` in [${min}, ${max}]` : min > -Infinity ? ` ≥ ${min}` : '';
    throw new UsageError(`expected ${integer ? 'an integer' : 'a number'}${range} for --${name} but received '${String(raw)}'`);
  }
  return value;
}

/** A value that must be one of `known`, else a usage error naming them (and the closest). */
export function choiceOf(flag: string, value: string, known: readonly string[]): string {
  if (known.includes(value)) return value;
  const near = closest(value, known);
  throw new UsageError(`expected one of ${known.join(', ')} for --${flag} but received '${value}'${near ? ` (did you mean ${near}?)` : ''}`);
}

/** Conflicts between the model options, found before any data is read. */
export function checkModelOptions(values: OptionValues): void {
  if (values.arch !== undefined) choiceOf('arch', String(values.arch), ARCH_NAMES);
  if (values['no-pretrained'] && values.weights !== undefined) throw new UsageError('--weights and --no-pretrained exclude each other');
  if (values.device !== undefined && !/^(cpu|cuda|auto|cuda:\d+)$/.test(String(values.device))) {
    throw new UsageError(`expected cpu, cuda, cuda:N or auto for --device but received '${String(values.device)}'`);
  }
  metricsOption(values);
  if (values.valid !== undefined && values['valid-pct'] !== undefined) throw new UsageError('--valid and --valid-pct exclude each other');
  if (values.valid !== undefined && values.pattern !== undefined) throw new UsageError('--valid and --pattern exclude each other (--pattern splits at random)');
  if (values.csv !== undefined && (values.pattern !== undefined || values.valid !== undefined))
    throw new UsageError('--csv excludes --pattern and --valid (it splits at random)');
  if ((values['label-delim'] !== undefined || values.regression === true) && values.csv === undefined)
    throw new UsageError('--label-delim and --regression read labels from a CSV: give --csv');
  if (values['label-delim'] !== undefined && values.regression === true) throw new UsageError('--label-delim and --regression exclude each other');
  if (values['label-delim'] === '') throw new UsageError('--label-delim must not be empty');
}
