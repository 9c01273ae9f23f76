// After the walkthrough, as fastai's guide goes on: what the model confuses, its worst
// predictions, the exported model, and that model predicting a few files.
import { stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { ImageDataLoader } from '../data/loader.js';
import { loadLearner } from '../vision/load-learner.js';
import { ClassificationInterpretation } from '../interpret/classification.js';
import type { VisionLearner } from '../vision/vision-learner.js';
import type { Stages } from './stages.js';
import type { DemoSummary, PredictionRecord } from './summary.js';

/** `count` validation files spread evenly over the (path-sorted, so class-grouped) set. */
export function spreadPicks<T>(items: readonly T[], count: number): T[] {
  if (count <= 0 || items.length === 0) return [];
  const n = Math.min(count, items.length);
  return Array.from({ length: n }, (_, i) => items[Math.floor(((i + 0.5) * items.length) / n)] as T);
}

/**
 * Confusion matrix and top losses (plots in `runDir`), `learn.export` to `runDir/model.safetensors`,
 * then `loadLearner` on that file and `predict` on `predictions` validation files.
 */
export async function afterTraining(
  learn: VisionLearner,
  runDir: string,
  dataDir: string,
  predictions: number,
  stages: Stages,
): Promise<Pick<DemoSummary, 'interpretation' | 'exported' | 'predictions'>> {
  const interp = await ClassificationInterpretation.fromLearner(learn);
  await interp.plotConfusionMatrix(join(runDir, 'confusion.png'));
  await interp.plotTopLosses(join(runDir, 'top_losses.png'), 9);
  const mostConfused = interp.mostConfused(1);
  stages.say(
    `   most confused (actual → predicted): ${
      mostConfused
        .slice(0, 4)
        .map(([a, p, n]) => `${a} → ${p} ×${n}`)
        .join(', ') || 'nothing'
    }`,
  );

  const file = join(runDir, 'model.safetensors');
  await learn.export(file);
  const bytes = (await stat(file)).size;
  stages.say(`   exported ${file} (${(bytes / 2 ** 20).toFixed(1)} MiB)`);

  const picks = spreadPicks((learn.dls.valid as ImageDataLoader).items, predictions);
  const records: PredictionRecord[] = [];
  const inference = await loadLearner(file);
  try {
    for (const item of picks) {
      const { label, index, probs } = await inference.predict(item.path);
      records.push({
        file: relative(dataDir, item.path),
        actual: learn.dls.vocab[item.label] as string,
        predicted: label,
        probability: probs[index] as number,
      });
    }
  } finally {
    inference.dispose();
  }
  for (const r of records) {
    stages.say(`   predict(${r.file}) → ${r.predicted} (${(r.probability * 100).toFixed(1)} %)${r.predicted === r.actual ? '' : `, actually ${r.actual}`}`);
  }
  return {
    interpretation: { vocab: [...learn.dls.vocab], confusion: interp.confusionMatrix(), mostConfused },
    exported: { file: 'model.safetensors', bytes },
    predictions: records,
  };
}
