// A training process for the interruption tests, started with test/helpers/ts-register.mjs:
//   fit-child.ts <images> <workdir> <mode> [fineTune]
// mode 'full': fitOneCycle(2) (or with 'fineTune': fineTune(1), a frozen and an unfrozen fit)
// uninterrupted, then learn.save('final');
// mode 'interrupt': the same fit with SaveOnInterruptCallback, announcing each batch on stdout;
// mode 'resume': the same fit resumed from 'interrupted', then learn.save('final').
// mode 'save-loop' / 'export-loop': trains one batch, then saves / exports 'target' over and
// over, announcing each write, until killed.
// mode 'full-disk': under a file-size limit (ulimit -f, set by the parent), export and save
// 'target' once each and report the errors.
// Results are one JSON line on stdout prefixed 'result '.
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { CancelFitError, FitInterruptedError, INTERRUPTED_EXIT_CODE, SaveOnInterruptCallback, type Callback } from '../../src/index.js';
import { smallLearner } from './image-learner.js';

const [images, workdir, mode, fitKind] = process.argv.slice(2) as [string, string, string, string | undefined];
const say = (line: string) => writeSync(1, `${line}\n`);

const run = await smallLearner(images, { path: workdir, seed: 3 });
const { learn } = run;
const announce: Callback = {
  name: 'Announce',
  order: 54,
  afterBatch: (l) => {
    say(`batch ${l.training ? 'train' : 'valid'} ${l.epoch} ${l.iter}`);
  },
};
const cbs = [new SaveOnInterruptCallback(), announce];
const fit = (options: { cbs?: Callback[]; resume?: string } = {}) =>
  fitKind === 'fineTune' ? learn.fineTune(1, { baseLr: 2e-3, ...options }) : learn.fitOneCycle(2, 2e-3, options);

try {
  if (mode === 'full') {
    await fit({ cbs: [announce] });
    say(`result ${JSON.stringify({ saved: await learn.save('final') })}`);
  } else if (mode === 'interrupt') {
    await fit({ cbs });
    say(`result ${JSON.stringify({ interrupted: false })}`);
  } else if (mode === 'resume') {
    await fit({ cbs, resume: 'interrupted' });
    say(`result ${JSON.stringify({ saved: await learn.save('final') })}`);
  } else if (mode === 'full-disk') {
    process.on('SIGXFSZ', () => {}); // a write past the limit then fails with EFBIG instead of killing us
    const failure = (error: unknown) => ({ code: (error as { code?: string }).code, message: (error as Error).message });
    const exported = await learn.export(join(workdir, 'target.safetensors')).then(() => null, failure);
    const saved = await learn.save('target').then(() => null, failure);
    say(`result ${JSON.stringify({ exported, saved })}`);
  } else if (mode === 'save-loop' || mode === 'export-loop') {
    const oneBatch: Callback = {
      name: 'OneBatch',
      afterBatch: () => {
        throw new CancelFitError('one batch is enough');
      },
    };
    await learn.fit(1, 1e-3, { cbs: [oneBatch] });
    for (let i = 0; ; i++) {
      if (mode === 'save-loop') await learn.save('target');
      else await learn.export(join(workdir, 'target.safetensors'));
      say(`wrote ${i}`);
    }
  }
} catch (error) {
  if (!(error instanceof FitInterruptedError)) throw error;
  say(`result ${JSON.stringify({ interrupted: true, checkpoint: error.checkpoint, point: error.resumePoint, code: error.code })}`);
  process.exitCode = INTERRUPTED_EXIT_CODE;
} finally {
  run.dispose();
}
