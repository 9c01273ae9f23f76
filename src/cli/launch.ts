// `fasttune launch`: torchrun for one machine of a data-parallel run. Starts --nproc-per-node
// copies of a script with the torchrun variables set; when one rank fails or is killed, it names
// that rank and stops the others; Ctrl-C goes to every rank (each saves its checkpoint as a
// one-process run would) and the launcher waits for them, within a bound.
import { type ChildProcess, spawn } from 'node:child_process';
import { type CliIO, EXIT, type Command, UsageError } from './command.js';
import { numberOption } from './options.js';

/** Milliseconds a rank gets to stop after SIGTERM or SIGINT before SIGKILL. */
const GRACE_MS = 30_000;

export const launchCommand: Command = {
  name: 'launch',
  summary: 'run a training script in several data-parallel processes (like torchrun)',
  synopsis: '[options] <script> [script arguments]',
  description: [
    'Starts --nproc-per-node processes of <script> on this machine with RANK, LOCAL_RANK, WORLD_SIZE,',
    'LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT set, as torchrun does; inside, learn.distributed()',
    'joins them (Gloo on the CPU). For several machines run it on each with --nnodes, --node-rank and',
    "rank 0's --master-addr. If a rank fails, the others are stopped and the exit code is non-zero.",
  ].join('\n'),
  options: {
    'nproc-per-node': { type: 'string', valueName: 'n', description: 'processes on this machine', default: '1' },
    nnodes: { type: 'string', valueName: 'n', description: 'machines in the run', default: '1' },
    'node-rank': { type: 'string', valueName: 'i', description: "this machine's index, 0 … nnodes − 1", default: '0' },
    'master-addr': { type: 'string', valueName: 'host', description: "rank 0's machine", default: '127.0.0.1' },
    'master-port': { type: 'string', valueName: 'port', description: "rank 0's rendezvous port", default: '29500' },
  },
  maxPositionals: Number.POSITIVE_INFINITY,
  passThrough: true,
  async run(values, positionals, io) {
    const [script, ...args] = positionals;
    if (script === undefined) throw new UsageError('give the script to run');
    const nproc = numberOption(values, 'nproc-per-node', 1, { integer: true, min: 1 });
    const nnodes = numberOption(values, 'nnodes', 1, { integer: true, min: 1 });
    const nodeRank = numberOption(values, 'node-rank', 0, { integer: true, min: 0 });
    if (nodeRank >= nnodes) throw new UsageError(`--node-rank must be below --nnodes (${nnodes}), got ${nodeRank}`);
    const masterPort = numberOption(values, 'master-port', 29500, { integer: true, min: 1 });
    if (masterPort > 65535) throw new UsageError(`--master-port must be at most 65535, got ${masterPort}`);
    const masterAddr = typeof values['master-addr'] === 'string' ? values['master-addr'] : '127.0.0.1';
    return launchRanks({ nproc, nnodes, nodeRank, masterAddr, masterPort }, script, args, io);
  },
};

export interface LaunchPlan {
  nproc: number;
  nnodes?: number;
  nodeRank?: number;
  masterAddr?: string;
  masterPort: number;
}

/** Starts this machine's ranks of `node <script> <args>` and supervises them; resolves to the exit code. */
export function launchRanks(plan: LaunchPlan, script: string, args: readonly string[], io: CliIO): Promise<number> {
  const { nproc, nnodes = 1, nodeRank = 0, masterAddr = '127.0.0.1', masterPort } = plan;
  const ranks = Array.from({ length: nproc }, (_, local) => {
    const rank = nodeRank * nproc + local;
    const env = {
      ...io.env,
      RANK: String(rank),
      LOCAL_RANK: String(local),
      WORLD_SIZE: String(nnodes * nproc),
      LOCAL_WORLD_SIZE: String(nproc),
      MASTER_ADDR: masterAddr,
      MASTER_PORT: String(masterPort),
    };
    return { rank, child: spawn(process.execPath, [...process.execArgv, script, ...args], { env, stdio: 'inherit' }) };
  });
  return supervise(ranks, io.stderr);
}

interface RankProcess {
  rank: number;
  child: ChildProcess;
}

/** Waits for every rank; the first failure stops the others. Resolves to the exit code. */
function supervise(ranks: RankProcess[], stderr: { write(text: string): unknown }): Promise<number> {
  return new Promise((resolve) => {
    let running = ranks.length;
    let failed = false;
    let interrupted = false;
    const timers: NodeJS.Timeout[] = [];
    const signalled = new Set<ChildProcess>();
    const stopOthers = (signal: NodeJS.Signals) => {
      for (const { child } of ranks) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        signalled.add(child);
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), GRACE_MS);
        timer.unref();
        timers.push(timer);
      }
    };
    const onSigint = () => {
      interrupted = true;
      stderr.write('fasttune launch: interrupted; waiting for every rank to stop\n');
      stopOthers('SIGINT');
    };
    process.on('SIGINT', onSigint);
    for (const { rank, child } of ranks) {
      child.on('error', (error) => {
        stderr.write(`fasttune launch: rank ${rank} could not start: ${error.message}\n`);
      });
      child.on('close', (code, signal) => {
        running--;
        // Every rank that ended badly on its own is named (a lost rank makes the others fail too).
        if ((code !== 0 || signal !== null) && !signalled.has(child) && !interrupted) {
          const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
          stderr.write(`fasttune launch: rank ${rank} ${how}${failed ? '' : '; stopping the other ranks'}\n`);
          if (!failed) stopOthers('SIGTERM');
          failed = true;
        }
        if (running === 0) {
          process.off('SIGINT', onSigint);
          for (const timer of timers) clearTimeout(timer);
          resolve(interrupted ? 130 : failed ? EXIT.problem : EXIT.ok);
        }
      });
    }
  });
}
