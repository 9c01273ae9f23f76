// `learn.distributed(run)`: the same script in N processes, as fastai's `learn.distrib_ctx()`
// with PyTorch's DDP underneath. The model becomes a c10d replica (rank 0's weights; gradients
// averaged by the Reducer during backward), the training loader deals this rank's share of each
// epoch (DistributedSampler's), and only rank 0 prints and writes. Validation runs over the whole
// set on every rank, so metrics, predictions and the Recorder equal a one-process run.
import { FasttuneError } from '../core/errors.js';
import type { DataLoader } from '../data/loader-contract.js';
import { distributedEnv, initProcessGroup, type ProcessGroup } from '../model/process-group.js';
import type { ModelCore } from '../model/types.js';

/** A Learner's part in a data-parallel run. */
export interface ParallelRun {
  readonly group: ProcessGroup;
  /** This rank's share of the training set. */
  readonly train: DataLoader;
}

/** What a rank other than 0 writes its progress and tables to: nothing. */
export const silentOutput = { write: () => true, isTTY: false };

/** Joins the group the environment describes; undefined when the run has one process. */
export async function joinRun(model: ModelCore, train: DataLoader): Promise<ParallelRun | undefined> {
  const where = 'distributed';
  const env = distributedEnv();
  if (env === null || env.worldSize === 1) return undefined;
  if (typeof model.distribute !== 'function') throw new FasttuneError(`${where}: this model cannot be distributed (a VisionModel can)`, 'E_ARG');
  if (typeof train.derive !== 'function') throw new FasttuneError(`${where}: the training loader cannot be sharded (it has no derive())`, 'E_ARG');
  const { rank, worldSize, masterAddr, masterPort, timeoutMs } = env;
  const group = await initProcessGroup({ rank, worldSize, masterAddr, masterPort, timeoutMs });
  try {
    await model.distribute(group);
  } catch (error) {
    group.close();
    throw error;
  }
  return { group, train: train.derive({ shard: { rank: group.rank, worldSize: group.worldSize } }) };
}
