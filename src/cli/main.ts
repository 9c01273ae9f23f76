#!/usr/bin/env node
// The `fasttune` executable.
import { runCli } from './run.js';

// A reader that stops early (`fasttune predict … | head`) closes the pipe: end quietly, as Unix
// tools do, instead of dying on the write error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
}

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
