// The subcommand table. A new command is one entry here and one module of its own.
import type { Command } from './command.js';
import { doctorCommand } from './doctor.js';
import { launchCommand } from './launch.js';
import { lrFindCommand } from './lr-find.js';
import { predictCommand } from './predict.js';
import { serveCommand } from './serve.js';
import { trainCommand } from './train.js';

export const COMMANDS: readonly Command[] = [trainCommand, lrFindCommand, predictCommand, serveCommand, launchCommand, doctorCommand];
