// What a CLI subcommand is: a name, its help, its options, and what it does.

/** Where a command writes, and the environment it reads. */
export interface CliIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
}

/** Exit codes scripts can rely on. */
export const EXIT = {
  /** Done, nothing wrong. */
  ok: 0,
  /** The command ran and found a problem (or failed). */
  problem: 1,
  /** The command line was wrong. */
  usage: 2,
} as const;

/** A wrong command line found while a command runs (a bad option value): exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface OptionSpec {
  type: 'boolean' | 'string';
  short?: string;
  /** Shown in help as `--name <valueName>` for string options. */
  valueName?: string;
  description: string;
  /** What applies when the flag is not given, shown in help as `(default: …)`. */
  default: string;
}

export type OptionValues = Record<string, string | boolean | undefined>;

export interface Command {
  name: string;
  /** One line for the command table. */
  summary: string;
  /** Arguments after the name, e.g. `[--json]`. */
  synopsis: string;
  /** What it does, in a few sentences. */
  description: string;
  options: Record<string, OptionSpec>;
  /** How many positional arguments it takes (default 0). */
  maxPositionals?: number;
  /** Everything from the first positional argument on is passed through unparsed (a script and its arguments). */
  passThrough?: boolean;
  run(values: OptionValues, positionals: string[], io: CliIO): Promise<number>;
}
