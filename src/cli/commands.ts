// The subcommand table. A new command is one entry here and one module of its own.
import type { Command } from './command.js';
import { doctorCommand } from './doctor.js';

export const COMMANDS: readonly Command[] = [doctorCommand];
