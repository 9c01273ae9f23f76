// The demo's command line: options, their checks and the help text.
import { parseArgs } from 'node:util';
import { FasttuneError } from '../core/errors.js';
import { FULL, QUICK } from './presets.js';
import { SWEEP_LABELS } from './sweep.js';
import type { DemoOptions } from './run-demo.js';

/** The help text. */
export const USAGE = `Usage: npm run demo [-- options]

Transfer learning as in fastai's guide: visionLearner (body frozen), fitOneCycle, unfreeze, lrFind,
fitOneCycle at the suggested rate, fitOneCycle with discriminative rates, then the confusion matrix,
export and predict; and the same steps from random weights for comparison. Without --data it
pretrains a ResNet-34 on Fashion-MNIST classes 0-4 (cached) and transfers it to classes 5-9 with
60 labelled images per class; with --data it starts from ImageNet's weights.

Options:
  --quick               a smaller run (under two minutes on two cores; it uses the default run's
                        pretrained body when the cache holds it)
  --sweep               error rate against labelled images per class, transfer and from scratch:
                        sweep.png and report.html (not with --data)
  --labels <n,n,…>      with --sweep: the labelled images per class (default ${SWEEP_LABELS.join(',')})
  --data <dir>          your images: <dir>/train/<label>/… and <dir>/valid/<label>/…, or
                        <dir>/<label>/… (20 % held out), or any files with --pattern
  --pattern <regex>     with --data: the label is group 1 of this pattern on each file name,
                        e.g. '^(.*)_\\d+\\.jpg$' for Oxford-IIIT Pets
  --weights <file|name> with --data: body weights (default IMAGENET1K_V1 from the torch hub cache,
                        downloaded when missing)
  --size <px>           with --data: training image side (default 224)
  --bs <n>              with --data: batch size (default 64)
  --epochs <a,b,c>      epochs of the frozen, unfrozen and discriminative fits
  --no-control          skip the run from random weights
  --out <dir>           run folder (default runs/demo-<date>-<time>)
  --fashion-mnist <dir> folder with Fashion-MNIST's *-ubyte.gz files (default Debian's
                        dataset-fashion-mnist, installed with apt-get when missing and run as root)
  --seed <n>            seed of data order, augmentation and initialisation (default 42)
  -h, --help            this help
`;

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new FasttuneError(`--${name} expects a positive integer, got '${text}'`, 'E_ARG');
  return n;
}

/** The options a command line asks for. */
export function parseDemoArgs(argv: string[]): DemoOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    allowNegative: true,
    options: {
      quick: { type: 'boolean' },
      sweep: { type: 'boolean' },
      labels: { type: 'string' },
      data: { type: 'string' },
      pattern: { type: 'string' },
      weights: { type: 'string' },
      size: { type: 'string' },
      bs: { type: 'string' },
      epochs: { type: 'string' },
      control: { type: 'boolean' },
      out: { type: 'string' },
      'fashion-mnist': { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new FasttuneError(`unexpected argument '${positionals[0]}'`, 'E_ARG');
  for (const name of ['pattern', 'weights', 'size', 'bs'] as const) {
    if (values[name] !== undefined && values.data === undefined) throw new FasttuneError(`--${name} goes with --data <dir>`, 'E_ARG');
  }
  if (values.sweep && values.data !== undefined) throw new FasttuneError('--sweep runs on Fashion-MNIST; it does not go with --data', 'E_ARG');
  if (values.labels !== undefined && !values.sweep) throw new FasttuneError('--labels goes with --sweep', 'E_ARG');
  if (values.quick && values.data !== undefined) throw new FasttuneError('--quick sizes the Fashion-MNIST run; with --data use --epochs and --size', 'E_ARG');
  if (values.pattern !== undefined) {
    try {
      new RegExp(values.pattern);
    } catch (error) {
      throw new FasttuneError(`--pattern is not a regular expression: ${(error as Error).message}`, 'E_ARG');
    }
  }
  let epochs: [number, number, number] | undefined;
  if (values.epochs !== undefined) {
    const parts = values.epochs.split(',');
    if (parts.length !== 3)
      throw new FasttuneError(`--epochs expects three numbers like 3,6,3 (frozen, unfrozen, discriminative), got '${values.epochs}'`, 'E_ARG');
    epochs = parts.map((p) => positiveInt('epochs', p.trim())) as [number, number, number];
  }
  const options: DemoOptions = { preset: values.quick ? QUICK : FULL };
  if (values.sweep) options.sweep = values.labels === undefined ? SWEEP_LABELS : values.labels.split(',').map((p) => positiveInt('labels', p.trim()));
  if (values.data !== undefined) options.data = values.data;
  if (values.pattern !== undefined) options.pattern = values.pattern;
  if (values.weights !== undefined) options.weights = values.weights;
  if (values.size !== undefined) options.size = positiveInt('size', values.size);
  if (values.bs !== undefined) options.bs = positiveInt('bs', values.bs);
  if (epochs) options.epochs = epochs;
  if (values.control === false) options.control = false;
  if (values.out !== undefined) options.runDir = values.out;
  if (values['fashion-mnist'] !== undefined) options.fashionMnist = values['fashion-mnist'];
  if (values.seed !== undefined) {
    const seed = Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new FasttuneError(`--seed expects a non-negative integer, got '${values.seed}'`, 'E_ARG');
    options.seed = seed;
  }
  return options;
}
