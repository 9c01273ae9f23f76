// Parses `fasttune <command> [options]`, prints help, and dispatches to the command table.
import { parseArgs } from 'node:util';
import { type CliIO, type Command, EXIT, type OptionSpec, type OptionValues, UsageError } from './command.js';
import { COMMANDS } from './commands.js';
import { closest } from '../core/validate.js';
import { libraryVersion } from '../core/version.js';
import { forCommandLine } from './messages.js';

/** The top-level help. */
export function usage(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: fasttune <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show help (also: fasttune <command> --help, fasttune help <command>)',
    '  -v, --version  print the fasttune version',
    '',
    'Exit codes: 0 ok, 1 a problem was found or the command failed, 2 wrong usage.',
    '',
  ].join('\n');
}

/** The help of one command. */
export function commandHelp(command: Command): string {
  const flags: (readonly [string, string])[] = Object.entries(command.options).map(([name, spec]) => {
    const left = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ` <${spec.valueName ?? 'value'}>` : ''}`;
    return [left, `${spec.description} (default: ${spec.default})`] as const;
  });
  flags.push(['-h, --help', 'show this help']);
  const width = Math.max(...flags.map(([left]) => left.length));
  return [
    `Usage: fasttune ${command.name}${command.synopsis ? ` ${command.synopsis}` : ''}`,
    '',
    command.description,
    '',
    'Options:',
    ...flags.map(([left, text]) => `  ${left.padEnd(width)}  ${text}`),
    '',
  ].join('\n');
}

function usageError(io: CliIO, message: string, hint: string): number {
  io.stderr.write(`fasttune: ${message}\n${hint}\n`);
  return EXIT.usage;
}

/** What parseArgs needs of each option. */
function parserOptions(options: Record<string, OptionSpec>): Record<string, { type: OptionSpec['type']; short?: string }> {
  return Object.fromEntries(Object.entries(options).map(([name, { type, short }]) => [name, short ? { type, short } : { type }]));
}

/** parseArgs' complaint, with the flag meant when an unknown one is close to a known one. */
function parseProblem(error: Error & { code?: string }, command: Command): string {
  const unknown = /^Unknown option '(-{1,2})([^']+)'/.exec(error.message);
  if (error.code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || !unknown) return error.message;
  const flag = `${unknown[1]}${unknown[2]}`;
  const near = closest(unknown[2] as string, [...Object.keys(command.options), 'help']);
  return `unknown option '${flag}'${near ? `; did you mean --${near}?` : ''}`;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIO, commands: readonly Command[] = COMMANDS): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr.write(usage(commands));
    return EXIT.usage;
  }
  if (first === '-h' || first === '--help') {
    io.stdout.write(usage(commands));
    return EXIT.ok;
  }
  if (first === '-v' || first === '--version') {
    io.stdout.write(`${libraryVersion()}\n`);
    return EXIT.ok;
  }
  const find = (name: string) => commands.find((c) => c.name === name);
  if (first === 'help') {
    if (rest.length === 0) {
      io.stdout.write(usage(commands));
      return EXIT.ok;
    }
    const command = find(rest[0] as string);
    if (!command || rest.length > 1) return usageError(io, `no command '${rest.join(' ')}'`, "Run 'fasttune --help' for the list.");
    io.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  const command = find(first);
  if (!command) {
    const what = first.startsWith('-') ? `unknown option '${first}'` : `unknown command '${first}'`;
    return usageError(io, what, "Run 'fasttune --help' for the list of commands.");
  }

  let values: OptionValues;
  let positionals: string[];
  const own = command.passThrough ? ownArguments(rest, command) : rest.length;
  try {
    ({ values, positionals } = parseArgs({
      args: rest.slice(0, own),
      // Only type and short: parseArgs would take `default` as the value itself.
      options: { ...parserOptions(command.options), help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    }));
  } catch (error) {
    return usageError(io, `${command.name}: ${parseProblem(error as Error & { code?: string }, command)}`, `Run 'fasttune ${command.name} --help'.`);
  }
  positionals = [...positionals, ...rest.slice(own)];
  if (values.help) {
    io.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  if (positionals.length > (command.maxPositionals ?? 0)) {
    return usageError(io, `${command.name}: unexpected argument '${positionals.join(' ')}'`, `Run 'fasttune ${command.name} --help'.`);
  }
  try {
    return await command.run(values, positionals, io);
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, `${command.name}: ${error.message}`, `Run 'fasttune ${command.name} --help'.`);
    io.stderr.write(`fasttune ${command.name}: ${forCommandLine((error as Error).message)}\n`);
    return EXIT.problem;
  }
}

/** How many leading arguments are the command's own options: up to its first positional. */
function ownArguments(args: readonly string[], command: Command): number {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') return i + 1;
    if (!arg.startsWith('-')) return i;
    const name = arg.replace(/^--?/, '');
    if (!arg.includes('=') && command.options[name]?.type === 'string') i++; // its value
  }
  return args.length;
}
