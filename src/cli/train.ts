// `fasttune train <dir>`: fastai's recipe from the command line — data from a folder, a ResNet
// with a pretrained body, fine_tune (or one cycle), then one exported model file.
import { resolve } from 'node:path';
import type { Callback } from '../learner/callback.js';
import { EXIT, type Command, UsageError } from './command.js';
import { checkModelOptions, choiceOf, DATA_OPTIONS, metricsOption, numberOption } from './options.js';

/** The exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it. */
const INTERRUPTED = 130;

export const trainCommand: Command = {
  name: 'train',
  summary: 'train an image classifier on a folder and export it',
  synopsis: '<dir> [options]',
  description: [
    'Trains a classifier on the images under <dir> and writes one model file for `fasttune predict`.',
    'Labels are the parent folder names, or group 1 of --pattern on each file name. A train/ folder',
    'with a valid/, val/ or validation/ one beside it (or --valid <name>) splits the data; otherwise',
    'a random --valid-pct share validates. The split used is printed. The ResNet body starts from',
    'ImageNet weights unless --no-pretrained; --fine-tune (default) trains the head one epoch with the',
    'body frozen, then every layer for --epochs. Ctrl-C stops after the current batch and saves a',
    'checkpoint that --resume continues from.',
  ].join('\n'),
  options: {
    ...DATA_OPTIONS,
    epochs: { type: 'string', valueName: 'n', description: 'epochs (fine-tune: of the unfrozen phase, after one frozen epoch)', default: '1' },
    lr: { type: 'string', valueName: 'rate', description: 'learning rate', default: '2e-3 for fine-tune, 1e-3 for one cycle' },
    'lr-find': { type: 'boolean', description: 'choose the learning rate with the LR finder (its valley)', default: 'off' },
    'fine-tune': { type: 'boolean', description: 'fastai fine_tune: a frozen epoch, then unfrozen', default: 'on unless --one-cycle' },
    'one-cycle': { type: 'boolean', description: 'one-cycle schedule on the model as it is (frozen body when pretrained)', default: 'off' },
    'save-best': {
      type: 'boolean',
      description: 'save the weights whenever --monitor improves (<out>-best.safetensors) and export the best',
      default: "off: the last epoch's weights",
    },
    monitor: {
      type: 'string',
      valueName: 'column',
      description: 'what --save-best watches: valid_loss, train_loss or a --metrics name',
      default: 'valid_loss',
    },
    resume: {
      type: 'string',
      valueName: 'file',
      description: 'continue from the checkpoint Ctrl-C saved (give the same options as the stopped run)',
      default: 'start afresh',
    },
    out: {
      type: 'string',
      valueName: 'file',
      description: 'model file to write; a stopped run saves <out>.interrupted.safetensors',
      default: 'model.safetensors',
    },
    'nproc-per-node': {
      type: 'string',
      valueName: 'n',
      description: 'data-parallel processes on this machine (as `fasttune launch`; --bs is per process)',
      default: '1',
    },
  },
  maxPositionals: 1,
  async run(values, positionals, io) {
    const [dir] = positionals;
    if (dir === undefined) throw new UsageError('give the folder of images to train on');
    if (values['fine-tune'] && values['one-cycle']) throw new UsageError('--fine-tune and --one-cycle exclude each other');
    if (values.lr !== undefined && values['lr-find']) throw new UsageError('--lr and --lr-find exclude each other');
    if (values.resume !== undefined && values['lr-find'])
      throw new UsageError('--resume and --lr-find exclude each other; pass the --lr the stopped run printed');
    const epochs = numberOption(values, 'epochs', 1, { integer: true, min: 1 });
    const lrGiven = values.lr === undefined ? undefined : numberOption(values, 'lr', 0, { min: Number.MIN_VALUE });
    const out = typeof values.out === 'string' ? values.out : 'model.safetensors';
    const stem = resolve(out.replace(/\.safetensors$/i, ''));
    checkModelOptions(values);
    const columns = ['valid_loss', 'train_loss', ...metricsOption(values).map((m) => m.name)];
    const monitor = typeof values.monitor === 'string' ? choiceOf('monitor', values.monitor, columns) : 'valid_loss';
    if (values.monitor !== undefined && !values['save-best']) throw new UsageError('--monitor only applies with --save-best');
    const resume = typeof values.resume === 'string' ? values.resume : undefined;
    const nproc = numberOption(values, 'nproc-per-node', 1, { integer: true, min: 1 });
    if (nproc > 1 && io.env.WORLD_SIZE === undefined) {
      const { launchRanks } = await import('./launch.js');
      return launchRanks({ nproc, masterPort: Number(io.env.MASTER_PORT ?? 29500) }, process.argv[1] as string, withoutNproc(process.argv.slice(2)), io);
    }
    // A rank other than 0 of a data-parallel run prints nothing (its errors still reach stderr).
    const stdout = Number(io.env.RANK ?? 0) > 0 ? { write: () => true } : io.stdout;

    const { dataFromOptions, describeData, learnerFromOptions } = await import('./training-setup.js');
    const { lrFindProgress } = await import('./lr-find-progress.js');
    const { FitInterruptedError, SaveOnInterruptCallback } = await import('../learner/interrupt.js');
    const { SaveModelCallback } = await import('../learner/trackers.js');
    const data = await dataFromOptions(dir, values, io.stderr);
    const { dls } = data;
    try {
      stdout.write(describeData(data));
      const learn = await learnerFromOptions(dls, values, stdout, [lrFindProgress(stdout)]);
      try {
        return await learn.distributed(async () => {
          const cbs = [
            new SaveOnInterruptCallback({ fname: `${stem}.interrupted.safetensors` }),
            ...(values['save-best'] ? [new SaveModelCallback({ monitor, fname: `${stem}-best` })] : []),
          ];
          let lr = lrGiven;
          if (values['lr-find']) {
            const { valley } = await learn.lrFind();
            if (!Number.isFinite(valley)) throw new Error('the LR finder found no usable learning rate (too few batches?); pass --lr');
            stdout.write(`learning rate ${valley.toExponential(2)} (LR finder valley)\n`);
            lr = valley;
          }
          if (resume) stdout.write(`resuming from ${resume}\n`);
          try {
            if (values['one-cycle']) {
              await learn.fitOneCycle(epochs, { ...(lr !== undefined && { lrMax: lr }), cbs, ...(resume && { resume }) });
            } else {
              const labels = phaseLabels(epochs, (line) => stdout.write(`${line}\n`));
              await learn.fineTune(epochs, { ...(lr !== undefined && { baseLr: lr }), cbs: [...cbs, labels], ...(resume && { resume }) });
            }
          } catch (error) {
            if (!(error instanceof FitInterruptedError)) throw error;
            io.stderr.write(
              `fasttune train: stopped by ${error.signal}; checkpoint saved to ${error.checkpoint}\ncontinue with the same command and --resume ${error.checkpoint}\n`,
            );
            return INTERRUPTED;
          }
          await learn.export(out);
          stdout.write(`wrote ${out}\n`);
          return EXIT.ok;
        });
      } finally {
        learn.dispose();
      }
    } finally {
      dls.close();
    }
  },
};

/** Labels the two phases of fineTune as each starts (after a resume, the phase the checkpoint is in). */
function phaseLabels(epochs: number, say: (line: string) => void): Callback {
  return {
    name: 'PhaseLabels',
    beforeFit: (learn) => {
      if (learn.frozenTo > 0) say('phase 1 of 2: body frozen, training the head (1 epoch)');
      else say(`phase 2 of 2: unfrozen, training every layer (${epochs} epoch${epochs > 1 ? 's' : ''})`);
    },
  };
}

/** The command line without --nproc-per-node and its value (what each rank runs). */
function withoutNproc(args: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--nproc-per-node') i++;
    else if (!arg.startsWith('--nproc-per-node=')) kept.push(arg);
  }
  return kept;
}
