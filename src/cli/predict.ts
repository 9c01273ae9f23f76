// `fasttune predict <model> <images or folders...>`: labels and probabilities from an exported
// model. Every readable image gets its row; each one that cannot be read is named on stderr.
import { stat } from 'node:fs/promises';
import type { DeviceName } from '../model/vision-model.js';
import { EXIT, type CliIO, type Command, UsageError } from './command.js';
import { forCommandLine } from './messages.js';
import { numberOption } from './options.js';
import { ttaTransform } from './tta-transform.js';

interface Row {
  file: string;
  label: string;
  index: number;
  probability: number;
  probs: Record<string, number>;
}

/** The files to classify: each file as given, each folder's image files (recursively). */
async function expandPaths(paths: readonly string[]): Promise<{ files: string[]; missing: string[] }> {
  const { getImageFiles } = await import('../data/files.js');
  const files: string[] = [];
  const missing: string[] = [];
  for (const path of paths) {
    const isDir = await stat(path).then(
      (s) => s.isDirectory(),
      () => undefined,
    );
    if (isDir === undefined) missing.push(path);
    else if (isDir) files.push(...(await getImageFiles(path)));
    else files.push(path);
  }
  return { files, missing };
}

export const predictCommand: Command = {
  name: 'predict',
  summary: 'classify images with an exported model',
  synopsis: '<model> <images or folders...> [options]',
  description: [
    "Loads a model written by `fasttune train` (or learn.export) and prints each image's label and",
    'probability. Folders are searched for image files. An image that cannot be read is named on stderr;',
    'the others are still classified, and the exit code is then 1.',
  ].join('\n'),
  options: {
    json: { type: 'boolean', description: 'print every probability as JSON', default: 'a table' },
    tta: {
      type: 'boolean',
      description: "test-time augmentation: blend the plain prediction with 4 passes of `fasttune train`'s augmentation",
      default: 'off',
    },
    device: { type: 'string', valueName: 'device', description: "'cpu', 'cuda', 'cuda:N' or 'auto'", default: 'cpu' },
    bs: { type: 'string', valueName: 'n', description: 'images per batch', default: '64' },
  },
  maxPositionals: Number.POSITIVE_INFINITY,
  async run(values, positionals, io) {
    const [model, ...paths] = positionals;
    if (model === undefined || paths.length === 0) throw new UsageError('give a model file and at least one image or folder');
    const bs = numberOption(values, 'bs', 64, { integer: true, min: 1 });
    const { loadLearner } = await import('../vision/load-learner.js');
    const learn = await loadLearner(model, { device: (values.device ?? 'cpu') as DeviceName, bs });
    try {
      const { files, missing } = await expandPaths(paths);
      let failed = 0;
      const fail = (message: string) => {
        failed += 1;
        io.stderr.write(`fasttune predict: ${forCommandLine(message)}\n`);
      };
      for (const path of missing) fail(`Cannot read image ${path}: no such file or folder`);
      const rows: Row[] = [];
      const table = values.json ? undefined : tableWriter(files, learn.dls.vocab, io);
      // A batch at a time, so that rows appear as they are ready; a batch that fails is retried
      // image by image, so that one bad file costs only its own row.
      for (let start = 0; start < files.length; start += bs) {
        const chunk = files.slice(start, start + bs);
        let chunkRows: Row[];
        try {
          chunkRows = await classify(learn, chunk, values.tta === true);
        } catch {
          chunkRows = [];
          for (const file of chunk) {
            try {
              chunkRows.push(...(await classify(learn, [file], values.tta === true)));
            } catch (error) {
              fail((error as Error).message);
            }
          }
        }
        rows.push(...chunkRows);
        table?.(chunkRows);
      }
      if (values.json) io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      if (failed > 0) {
        io.stderr.write(`fasttune predict: ${failed} of ${files.length + missing.length} images could not be read\n`);
        return EXIT.problem;
      }
      if (files.length === 0) {
        io.stderr.write('fasttune predict: no image files found\n');
        return EXIT.problem;
      }
      return EXIT.ok;
    } finally {
      learn.dispose();
    }
  },
};

type Learn = Awaited<ReturnType<typeof import('../vision/load-learner.js').loadLearner>>;

/** One row per file: the most probable label and every class's probability. */
async function classify(learn: Learn, files: string[], tta: boolean): Promise<Row[]> {
  const ds = learn.dls.testDl(files);
  const { probs, nOut } = tta ? await learn.tta({ ds: ds.derive({ batchTfm: ttaTransform(ds.options.batchTfm) }) }) : await learn.getPreds({ ds });
  const vocab = learn.dls.vocab;
  const { kind, thresh = 0.5 } = learn.lossFunc;
  return files.map((file, i) => {
    const row = Array.from(probs.subarray(i * nOut, (i + 1) * nOut));
    if (kind === 'mse' || kind === 'l1') {
      // Regression: the value stands in the label and probability columns.
      return { file, label: row.map(String).join(' '), index: -1, probability: row[0] as number, probs: {} };
    }
    const index = row.indexOf(Math.max(...row));
    const all = Object.fromEntries(vocab.map((v, k) => [v, row[k] as number]));
    if (kind === 'bceWithLogits') {
      // Multi-label: every class above the threshold; the probability column shows the highest.
      return { file, label: vocab.filter((_, k) => (row[k] as number) > thresh).join(';'), index: -1, probability: row[index] as number, probs: all };
    }
    return { file, label: vocab[index] as string, index, probability: row[index] as number, probs: all };
  });
}

/** Prints the header now and returns the writer of the rows, aligned over every file given. */
function tableWriter(files: readonly string[], vocab: readonly string[], io: CliIO): (rows: Row[]) => void {
  const width = Math.max(4, ...files.map((f) => f.length));
  const labelWidth = Math.max(5, ...vocab.map((v) => v.length));
  io.stdout.write(`${'file'.padEnd(width)}  ${'label'.padEnd(labelWidth)}  probability\n`);
  return (rows) => {
    for (const r of rows) io.stdout.write(`${r.file.padEnd(width)}  ${r.label.padEnd(labelWidth)}  ${r.probability.toFixed(4)}\n`);
  };
}
