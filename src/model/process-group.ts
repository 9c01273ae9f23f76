// Data parallel on PyTorch's c10d: a process group per process, found the way torchrun tells a
// process where it stands (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT), so any launcher that sets them works: `fasttune launch`, torchrun, Slurm, a loop.
import { FasttuneError, withCallerStack } from '../core/errors.js';
import { checkInteger, checkOptions, checkString } from '../core/validate.js';
import { native, type NativeProcessGroup } from '../native.js';

/** Where this process stands in a data-parallel run. */
export interface ProcessGroupOptions {
  /** This process's rank, 0 … worldSize − 1 (rank 0 serves the rendezvous). */
  rank: number;
  /** Number of processes. */
  worldSize: number;
  /** Rank 0's address (default 127.0.0.1). */
  masterAddr?: string;
  /** Rank 0's rendezvous port (default 29500). */
  masterPort?: number;
  /**
   * Milliseconds any wait may take: joining, and every collective (default 120000, or
   * FASTTUNE_DIST_TIMEOUT seconds). A rank that stops makes the others fail within it.
   */
  timeoutMs?: number;
}

/** The torchrun variables of `env`, or null when WORLD_SIZE is not set (a one-process run). */
export function distributedEnv(env: NodeJS.ProcessEnv = process.env): (Required<ProcessGroupOptions> & { localRank: number }) | null {
  if (env.WORLD_SIZE === undefined) return null;
  const where = 'distributed environment';
  const int = (name: string, fallback?: string) => {
    const text = env[name] ?? fallback;
    const value = Number(text);
    if (text === undefined || text.trim() === '' || !Number.isInteger(value)) {
      throw new FasttuneError(`${where}: expected an integer for ${name} but received ${text === undefined ? 'nothing' : JSON.stringify(text)}`, 'E_ARG');
    }
    return value;
  };
  const worldSize = int('WORLD_SIZE');
  return {
    rank: int('RANK'),
    worldSize,
    localRank: int('LOCAL_RANK', env.RANK),
    masterAddr: env.MASTER_ADDR ?? '127.0.0.1',
    masterPort: int('MASTER_PORT', '29500'),
    timeoutMs: Math.round(1000 * Number(env.FASTTUNE_DIST_TIMEOUT ?? 120)),
  };
}

/** A c10d process group: TCPStore rendezvous and Gloo collectives, every wait bounded. */
export class ProcessGroup {
  /** @internal */
  readonly native: NativeProcessGroup;
  readonly rank: number;
  readonly worldSize: number;

  /** @internal Use {@link initProcessGroup}. */
  constructor(group: NativeProcessGroup) {
    this.native = group;
    this.rank = group.rank;
    this.worldSize = group.worldSize;
  }

  /** Waits until every rank reaches this point. */
  async barrier(): Promise<void> {
    await withCallerStack(this.native.barrier());
  }

  /** Every rank's values (lengths may differ), in rank order. */
  async allGather(values: ArrayLike<number>): Promise<Float64Array[]> {
    return withCallerStack(this.native.allGather(Float64Array.from(values)));
  }

  /** Leaves the group (models distributed over it keep it alive until disposed). */
  close(): void {
    this.native.close();
  }
}

/**
 * Joins a data-parallel group (what `torch.distributed.init_process_group('gloo')` does): rank 0
 * serves a TCPStore at masterAddr:masterPort, every rank connects, and rank 0 checks that all
 * agree on the world size. Fails with E_DIST (port in use, master unreachable, a rank missing,
 * world sizes that differ) within `timeoutMs`. Without options it reads the torchrun variables.
 */
export async function initProcessGroup(options?: ProcessGroupOptions): Promise<ProcessGroup> {
  const where = 'initProcessGroup';
  const env = distributedEnv();
  const o = options === undefined ? env : checkOptions(where, options, ['rank', 'worldSize', 'masterAddr', 'masterPort', 'timeoutMs']);
  if (!o)
    throw new FasttuneError(`${where}: no options and no WORLD_SIZE in the environment (start with \`fasttune launch\` or torchrun's variables)`, 'E_ARG');
  const worldSize = checkInteger(where, 'worldSize', o.worldSize, { min: 1 });
  const rank = checkInteger(where, 'rank', o.rank, { min: 0, max: worldSize - 1 });
  const masterAddr = checkString(where, 'masterAddr', o.masterAddr ?? '127.0.0.1');
  const masterPort = checkInteger(where, 'masterPort', o.masterPort ?? 29500, { min: 1, max: 65535 });
  const timeoutMs = checkInteger(where, 'timeoutMs', o.timeoutMs ?? 120000, { min: 1, max: 2 ** 31 - 1 });
  const group = await withCallerStack(native().createProcessGroup({ rank, worldSize, masterAddr, masterPort, timeoutMs }));
  return new ProcessGroup(group);
}
