// `fasttune lr-find <dir>`: the LR range test on a folder of images, its plot and suggestions.
import { EXIT, type Command, UsageError } from './command.js';
import { checkModelOptions, DATA_OPTIONS, numberOption } from './options.js';

export const lrFindCommand: Command = {
  name: 'lr-find',
  summary: 'run the learning-rate finder on a folder and plot it',
  synopsis: '<dir> [options]',
  description: [
    'Trains briefly on <dir> (labelled and split as `fasttune train` does) with an exponentially growing',
    'learning rate, showing its progress, restores the weights, writes the loss-against-rate plot and',
    'prints the suggestions (valley, slide, minimum, steep).',
  ].join('\n'),
  options: {
    ...DATA_OPTIONS,
    'num-it': { type: 'string', valueName: 'n', description: 'batches to try', default: '100' },
    plot: { type: 'string', valueName: 'file', description: 'plot to write, .png or .svg', default: 'lr-find.png' },
    json: { type: 'boolean', description: 'print the suggestions as JSON on stdout (progress goes to stderr)', default: 'a table' },
  },
  maxPositionals: 1,
  async run(values, positionals, io) {
    const [dir] = positionals;
    if (dir === undefined) throw new UsageError('give the folder of images');
    const numIt = numberOption(values, 'num-it', 100, { integer: true, min: 1 });
    const plot = typeof values.plot === 'string' ? values.plot : 'lr-find.png';
    if (!/\.(png|svg)$/i.test(plot)) throw new UsageError(`expected a file name ending in .png or .svg for --plot but received '${plot}'`);
    checkModelOptions(values);
    const { dataFromOptions, describeData, learnerFromOptions } = await import('./training-setup.js');
    const { lrFindProgress } = await import('./lr-find-progress.js');
    // With --json, stdout holds the JSON alone.
    const human = values.json ? io.stderr : io.stdout;
    const data = await dataFromOptions(dir, values, io.stderr);
    const { dls } = data;
    try {
      human.write(describeData(data));
      const learn = await learnerFromOptions(dls, values, human, [lrFindProgress(human)]);
      try {
        const suggestions = await learn.lrFind({ numIt, suggestFuncs: ['valley', 'slide', 'minimum', 'steep'] });
        await learn.recorder.plotLrFind(plot);
        if (values.json) {
          io.stdout.write(`${JSON.stringify({ ...suggestions, plot })}\n`);
        } else {
          for (const [name, lr] of Object.entries(suggestions))
            io.stdout.write(`${name.padEnd(8)} ${Number.isFinite(lr) ? lr.toExponential(2) : 'n/a (curve too short)'}\n`);
          io.stdout.write(`wrote ${plot}\n`);
        }
        return EXIT.ok;
      } finally {
        learn.dispose();
      }
    } finally {
      dls.close();
    }
  },
};
