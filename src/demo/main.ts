#!/usr/bin/env node
// `npm run demo [-- options]`: the transfer-learning walkthrough on Fashion-MNIST, or on your images.
import { FasttuneError } from '../core/errors.js';
import { parseDemoArgs, USAGE } from './args.js';
import { runDemo, runDemoSweep, type DemoOptions } from './run-demo.js';

async function main(): Promise<number> {
  let options: DemoOptions | 'help';
  try {
    options = parseDemoArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`demo: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    if (options.sweep) await runDemoSweep({ ...options, sweep: options.sweep });
    else await runDemo(options);
    return 0;
  } catch (error) {
    const message = error instanceof FasttuneError ? error.message : ((error as Error)?.stack ?? String(error));
    process.stderr.write(`\ndemo failed: ${message}\n`);
    return 1;
  }
}

process.exitCode = await main();
