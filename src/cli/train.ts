// `fasttune train <dir>`: fastai's recipe from the command line — data from a folder, a ResNet
// with a pretrained body, fine_tune (or one cycle), then one exported model file.
import { EXIT, type Command, UsageError } from './command.js';
import { checkModelOptions, DATA_OPTIONS, numberOption } from './options.js';

export const trainCommand: Command = {
  name: 'train',
  summary: 'train an image classifier on a folder and export it',
  synopsis: '<dir> [options]',
  description: [
    'Trains a classifier on the images under <dir> and writes one model file for `fasttune predict`.',
    'Labels are the parent folder names (train/ and valid/ sub-folders split the data, else a random',
    'split), or group 1 of --pattern on each file name. The ResNet body starts from ImageNet weights',
    'unless --no-pretrained; --fine-tune (default) trains the head one epoch, then everything.',
  ].join('\n'),
  options: {
    ...DATA_OPTIONS,
    epochs: { type: 'string', valueName: 'n', description: 'epochs (default 1; fine-tune: after one frozen epoch)' },
    lr: { type: 'string', valueName: 'rate', description: 'learning rate (default: 2e-3 for fine-tune, 1e-3 for one cycle)' },
    'lr-find': { type: 'boolean', description: 'choose the learning rate with the LR finder (its valley)' },
    'fine-tune': { type: 'boolean', description: 'fastai fine_tune: frozen epoch, then unfrozen (default)' },
    'one-cycle': { type: 'boolean', description: 'one-cycle schedule on the model as it is (frozen body when pretrained)' },
    out: { type: 'string', valueName: 'file', description: 'model file to write (default model.safetensors)' },
  },
  maxPositionals: 1,
  async run(values, positionals, io) {
    const [dir] = positionals;
    if (dir === undefined) throw new UsageError('give the folder of images to train on');
    if (values['fine-tune'] && values['one-cycle']) throw new UsageError('--fine-tune and --one-cycle exclude each other');
    if (values.lr !== undefined && values['lr-find']) throw new UsageError('--lr and --lr-find exclude each other');
    const epochs = numberOption(values, 'epochs', 1, { integer: true, min: 1 });
    const lrGiven = values.lr === undefined ? undefined : numberOption(values, 'lr', 0, { min: Number.MIN_VALUE });
    const out = typeof values.out === 'string' ? values.out : 'model.safetensors';

    checkModelOptions(values);
    const { dataFromOptions, learnerFromOptions } = await import('./training-setup.js');
    const dls = await dataFromOptions(dir, values);
    const learn = await learnerFromOptions(dls, values, io.stdout);
    try {
      io.stdout.write(`${dls.train.n} training and ${dls.valid.n} validation images, ${dls.c} classes: ${dls.vocab.join(', ')}\n`);
      let lr = lrGiven;
      if (values['lr-find']) {
        const { valley } = await learn.lrFind();
        if (!Number.isFinite(valley)) throw new Error('the LR finder found no usable learning rate (too few batches?); pass --lr');
        io.stdout.write(`learning rate ${valley.toExponential(2)} (LR finder valley)\n`);
        lr = valley;
      }
      if (values['one-cycle']) await learn.fitOneCycle(epochs, lr);
      else await learn.fineTune(epochs, lr);
      await learn.export(out);
      io.stdout.write(`wrote ${out}\n`);
      return EXIT.ok;
    } finally {
      learn.dispose();
      dls.close();
    }
  },
};
