// `fasttune predict <model> <images...>`: labels and probabilities from an exported model.
import type { DeviceName } from '../model/vision-model.js';
import { EXIT, type Command, UsageError } from './command.js';
import { numberOption } from './options.js';

export const predictCommand: Command = {
  name: 'predict',
  summary: 'classify images with an exported model',
  synopsis: '<model> <images...> [--json]',
  description: 'Loads a model written by `fasttune train` (or learn.export) and prints each image\'s label and probability.',
  options: {
    json: { type: 'boolean', description: 'print every probability as JSON' },
    device: { type: 'string', valueName: 'device', description: "'cpu' (default), 'cuda', 'cuda:N' or 'auto'" },
    bs: { type: 'string', valueName: 'n', description: 'images per batch (default 64)' },
  },
  maxPositionals: Number.POSITIVE_INFINITY,
  async run(values, positionals, io) {
    const [model, ...images] = positionals;
    if (model === undefined || images.length === 0) throw new UsageError('give a model file and at least one image');
    const bs = numberOption(values, 'bs', 64, { integer: true, min: 1 });
    const { loadLearner } = await import('../vision/load-learner.js');
    const learn = await loadLearner(model, { device: (values.device ?? 'cpu') as DeviceName, bs });
    try {
      const { probs, nOut } = await learn.getPreds({ ds: learn.dls.testDl(images) });
      const vocab = learn.dls.vocab;
      const rows = images.map((file, i) => {
        const row = Array.from(probs.subarray(i * nOut, (i + 1) * nOut));
        const index = row.indexOf(Math.max(...row));
        return { file, label: vocab[index] as string, index, probability: row[index] as number, probs: Object.fromEntries(vocab.map((v, k) => [v, row[k] as number])) };
      });
      if (values.json) {
        io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      } else {
        const width = Math.max(4, ...rows.map((r) => r.file.length));
        const labelWidth = Math.max(5, ...rows.map((r) => r.label.length));
        io.stdout.write(`${'file'.padEnd(width)}  ${'label'.padEnd(labelWidth)}  probability\n`);
        for (const r of rows) io.stdout.write(`${r.file.padEnd(width)}  ${r.label.padEnd(labelWidth)}  ${r.probability.toFixed(4)}\n`);
      }
      return EXIT.ok;
    } finally {
      learn.dispose();
    }
  },
};
