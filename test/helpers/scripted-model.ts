// A ModelCore that plays back fixed numbers: the k-th training step returns trainLosses[k], the
// k-th validation batch returns validOutputs[k]. It records everything the Learner sends it.
import type { Batch } from '../../src/data/loader-contract.js';
import type { EvalResult, GroupHypers, ModelCore, ModelSettings, StepOptions } from '../../src/model/types.js';

export interface ScriptedModelOptions {
  nGroups?: number;
  nOut?: number;
  /** Loss of each training step, in order (a step past the end repeats the last value). */
  trainLosses?: readonly number[];
  /** Output of each validation batch, in order (cycled). */
  validOutputs?: readonly EvalResult[];
  /** Called at the start of every training step (e.g. to abort from the outside). */
  onTrainStep?: (step: number) => void;
}

export class ScriptedModel implements ModelCore {
  readonly nGroups: number;
  readonly nOut: number;
  readonly steps: GroupHypers[][] = [];
  readonly freezeCalls: number[] = [];
  readonly log: string[] = [];
  /** The step options of each training step (undefined: a plain step). */
  readonly stepOptions: Array<StepOptions | undefined> = [];
  /** The loss factor of each accumulateStep call. */
  readonly accumulated: number[] = [];
  settings: ModelSettings | undefined;
  evalCalls = 0;
  /** Training steps since construction or the last restore. */
  private trainCount = 0;
  private savedCount = 0;

  constructor(private readonly options: ScriptedModelOptions = {}) {
    this.nGroups = options.nGroups ?? 3;
    this.nOut = options.nOut ?? 2;
  }

  configure(settings: ModelSettings): void {
    this.settings = settings;
  }

  freezeTo(n: number): void {
    this.freezeCalls.push(n);
    this.log.push(`freezeTo(${n})`);
  }

  async trainStep(_batch: Batch, hypers: readonly GroupHypers[], step?: StepOptions): Promise<number> {
    this.options.onTrainStep?.(this.trainCount);
    this.stepOptions.push(step);
    this.steps.push(hypers.map((h) => ({ ...h })));
    const losses = this.options.trainLosses ?? [1];
    const loss = losses[Math.min(this.trainCount, losses.length - 1)] as number;
    this.trainCount += 1;
    return loss;
  }

  async accumulateStep(_batch: Batch, lossFactor = 1): Promise<number> {
    this.accumulated.push(lossFactor);
    this.log.push('accumulate');
    return 1;
  }

  async evalStep(batch: Batch): Promise<EvalResult> {
    const outputs = this.options.validOutputs;
    const k = this.evalCalls++;
    if (!outputs) return { loss: 0.5, logits: new Float32Array(batch.labels.length * this.nOut) };
    return outputs[k % outputs.length] as EvalResult;
  }

  async snapshot(): Promise<void> {
    this.log.push('snapshot');
    this.savedCount = this.trainCount;
  }

  async restore(): Promise<void> {
    this.log.push('restore');
    this.trainCount = this.savedCount;
  }

  dispose(): void {}

  /** lr of every group at each step, as rows. */
  lrRows(): number[][] {
    return this.steps.map((s) => s.map((h) => h.lr));
  }

  moms(): number[] {
    return this.steps.map((s) => (s.at(-1) as GroupHypers).mom);
  }
}
