// Options shared by `train` and `lr-find`, and reading numeric option values.
import { ARCH_NAMES } from '../model/arch-names.js';
import { type OptionSpec, type OptionValues, UsageError } from './command.js';

export const DATA_OPTIONS: Record<string, OptionSpec> = {
  pattern: { type: 'string', valueName: 'regex', description: 'label each file by group 1 of this regex on its name (default: by parent folder)' },
  'valid-pct': { type: 'string', valueName: 'fraction', description: 'validation share of a random split (default 0.2; folders train/ and valid/ split by themselves)' },
  seed: { type: 'string', valueName: 'n', description: 'seed of the split, shuffles and augmentation (default 42)' },
  size: { type: 'string', valueName: 'pixels', description: 'image side the model sees (default 224; items are presized to 460/224 of it, then augmented and resized)' },
  bs: { type: 'string', valueName: 'n', description: 'batch size (default 64)' },
  'no-augment': { type: 'boolean', description: 'no batch augmentation (flips, rotations, lighting...)' },
  arch: { type: 'string', valueName: 'name', description: `architecture: ${ARCH_NAMES.join(', ')} (default resnet34)` },
  weights: { type: 'string', valueName: 'name|file', description: "pretrained body: a weights name ('IMAGENET1K_V1') or a .pth/.safetensors file (default: torchvision's, from the torch hub cache or downloaded)" },
  'no-pretrained': { type: 'boolean', description: 'start from random weights' },
  device: { type: 'string', valueName: 'device', description: "'cpu', 'cuda', 'cuda:N' or 'auto' (default)" },
};

/** A numeric option: an integer or a number within bounds, else a usage error. */
export function numberOption(values: OptionValues, name: string, fallback: number, { integer = false, min = -Infinity, max = Infinity } = {}): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    const range = max < Infinity ? ` between ${min} and ${max}` : min > -Infinity ? ` ≥ ${min}` : '';
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'}${range}, got '${String(raw)}'`);
  }
  return value;
}

/** Conflicts between the model options, found before any data is read. */
export function checkModelOptions(values: OptionValues): void {
  if (values.arch !== undefined && !(ARCH_NAMES as readonly unknown[]).includes(values.arch)) {
    throw new UsageError(`--arch must be one of ${ARCH_NAMES.join(', ')}, got '${String(values.arch)}'`);
  }
  if (values['no-pretrained'] && values.weights !== undefined) throw new UsageError('--weights and --no-pretrained exclude each other');
  if (values.device !== undefined && !/^(cpu|cuda|auto|cuda:\d+)$/.test(String(values.device))) {
    throw new UsageError(`--device must be cpu, cuda, cuda:N or auto, got '${String(values.device)}'`);
  }
}
