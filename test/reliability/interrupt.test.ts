// Ctrl-C during fit: a training process gets SIGINT mid-epoch, finishes the batch, saves a
// checkpoint and exits with code 130; a second process resumes from it and ends with the same
// weights and optimizer state, bit for bit, as a process that was never interrupted.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FitInterruptedError, SaveOnInterruptCallback, readWeights, type Callback } from '../../src/index.js';
import { runFitChild } from '../helpers/fit-child-run.js';
import { smallLearner, writeClassFolders } from '../helpers/image-learner.js';

let dir: string;
let images: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fasttune-interrupt-'));
  images = join(dir, 'images');
  await writeClassFolders(images);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

// fineTune is interrupted in its second (unfrozen) fit: the resumed run skips the frozen one.
const CASES = [
  { fitKind: 'fitOneCycle', killAt: 1, nEpoch: 2 },
  { fitKind: 'fineTune', killAt: 2, nEpoch: 1 },
] as const;

describe('SIGINT during fit', () => {
  it.each(CASES)(
    '$fitKind: stops after the batch, saves a checkpoint, exits 130; resuming ends with the same weights as an uninterrupted fit',
    async ({ fitKind, killAt, nEpoch }) => {
      const fullDir = join(dir, `full-${fitKind}`);
      const partDir = join(dir, `part-${fitKind}`);
      let seen = 0;
      const [full, interrupted] = await Promise.all([
        runFitChild(images, fullDir, 'full', { fitKind }),
        runFitChild(images, partDir, 'interrupt', {
          fitKind,
          onLine: (line, proc) => {
            if (line === 'batch train 0 1' && ++seen === killAt) proc.kill('SIGINT');
          },
        }),
      ]);
      expect(full.code, full.stderr).toBe(0);
      expect(interrupted.signal, interrupted.stderr).toBeNull();
      expect(interrupted.code, interrupted.stderr).toBe(130);
      const result = interrupted.result as { interrupted: boolean; checkpoint: string; code: string; point: { epoch: number; iter: number; nEpoch: number } };
      expect(result.interrupted).toBe(true);
      expect(result.code).toBe('E_INTERRUPTED');
      expect(result.checkpoint).toBe(join(partDir, 'models', 'interrupted.safetensors'));
      // Stopped at the end of the batch the signal arrived in: the last batch trained is the one
      // before the resume point, and no batch ran after it.
      const batches = interrupted.lines.filter((l) => l.startsWith('batch '));
      const [, phase, epoch, iter] = (batches.at(-1) as string).split(' ');
      // After a training batch: the next one; after a validation batch: the next epoch.
      const expected = phase === 'train' ? { epoch: Number(epoch), iter: Number(iter) + 1 } : { epoch: Number(epoch) + 1, iter: 0 };
      expect(result.point).toMatchObject({ nEpoch, ...expected });
      expect(result.point.epoch * 10 + result.point.iter).toBeGreaterThanOrEqual(2);

      const resumed = await runFitChild(images, partDir, 'resume', { fitKind });
      expect(resumed.code, resumed.stderr).toBe(0);
      // It trained exactly the batches the interrupted run had left.
      const trained = resumed.lines.filter((l) => l.startsWith('batch train'));
      expect(trained[0]).toBe(`batch train ${result.point.epoch} ${result.point.iter}`);
      const trainedInFull = full.lines.filter((l) => l.startsWith('batch train')).length;
      const trainedBefore = interrupted.lines.filter((l) => l.startsWith('batch train')).length;
      expect(trained.length).toBe(trainedInFull - trainedBefore);

      const a = await readWeights(join(fullDir, 'models', 'final.safetensors'));
      const b = await readWeights(join(partDir, 'models', 'final.safetensors'));
      expect(b.tensors.map((t) => t.name)).toEqual(a.tensors.map((t) => t.name));
      let differing = 0;
      a.tensors.forEach((t, i) => {
        if (
          Buffer.compare(
            Buffer.from((t.data as Uint8Array).buffer, (t.data as Uint8Array).byteOffset, (t.data as Uint8Array).byteLength),
            Buffer.from(
              (b.tensors[i]!.data as Uint8Array).buffer,
              (b.tensors[i]!.data as Uint8Array).byteOffset,
              (b.tensors[i]!.data as Uint8Array).byteLength,
            ),
          ) !== 0
        )
          differing++;
      });
      console.info(
        `interrupt (${fitKind}): stopped at epoch ${result.point.epoch} batch ${result.point.iter}; ${a.tensors.length} tensors (weights, optimizer state, dropout generator), ${differing} differ`,
      );
      expect(differing).toBe(0);
    },
  );
});

describe('SaveOnInterruptCallback in process', () => {
  it('listens only during the fit, and resume checks what it is given', async () => {
    const work = join(dir, 'in-process');
    const run = await smallLearner(images, { path: work, seed: 3 });
    try {
      const listeners = process.listenerCount('SIGINT');
      const cb = new SaveOnInterruptCallback({ fname: 'ctrl-c' });
      let during = -1;
      const poke: Callback = {
        name: 'Poke',
        afterBatch: (learn) => {
          during = process.listenerCount('SIGINT');
          if (learn.training && learn.iter === 0) process.emit('SIGINT', 'SIGINT');
        },
      };
      const error = await run.learn.fitOneCycle(2, 2e-3, { cbs: [poke, cb] }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FitInterruptedError);
      expect(error).toMatchObject({ code: 'E_INTERRUPTED', signal: 'SIGINT', checkpoint: join(work, 'models', 'ctrl-c.safetensors') });
      expect((error as Error).message).toMatch(/interrupted by SIGINT at epoch 0, batch 1; checkpoint saved to .*ctrl-c\.safetensors/);
      expect(during).toBe(listeners + 1);
      expect(process.listenerCount('SIGINT')).toBe(listeners);
      expect(run.learn.cbs).not.toContain(cb);

      // Resume needs the same fit and a checkpoint of an interrupted one.
      await expect(run.learn.fitOneCycle(3, 2e-3, { resume: 'ctrl-c' })).rejects.toThrow(/saved by a fit of 2 epochs; this one has 3/);
      await expect(run.learn.fitOneCycle(2, 2e-3, { resume: 'ctrl-c', startEpoch: 1 })).rejects.toMatchObject({ code: 'E_ARG' });
      await run.learn.save('plain');
      await expect(run.learn.fitOneCycle(2, 2e-3, { resume: 'plain' })).rejects.toThrow(/is not the checkpoint of an interrupted fit/);
      await expect(run.learn.fitOneCycle(2, 2e-3, { resume: 'missing' })).rejects.toMatchObject({ code: 'E_IO' });
      expect(() => new SaveOnInterruptCallback({ signals: ['INT' as NodeJS.Signals] })).toThrow(/signals/);
    } finally {
      run.dispose();
    }
  });
});
