// `fasttune doctor` as a user runs it: a separate process, the real addon, sharp and records.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { versions } from '../../src/index.js';
import { runNode } from '../helpers/spawn-child.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const torchHome = mkdtempSync(join(tmpdir(), 'fasttune-doctor-'));
afterAll(() => rmSync(torchHome, { recursive: true, force: true }));

function fasttune(...args: string[]) {
  return runNode(['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...args], {
    cwd: root,
    env: { ...process.env, TORCH_HOME: torchHome },
    timeout: 120_000,
  });
}

describe('fasttune doctor (spawned)', () => {
  it('starts with a node shebang, as an npm bin must', () => {
    expect(readFileSync(join(root, 'src', 'cli', 'main.ts'), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('reports this machine and exits 0', async () => {
    const { code, stdout, stderr } = await fasttune('doctor');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const v = versions();
    expect(stdout).toMatch(new RegExp(`\\nok {4}LibTorch {13}${v.libtorch.replace(/\./g, '\\.')}\\n`));
    expect(stdout).toMatch(new RegExp(`Build {16}${v.cudaBuild ? 'CUDA' : 'CPU'}`));
    expect(stdout).toContain(`Node                 ${process.version}`);
    expect(stdout).toContain(`looked for in ${join(torchHome, 'hub', 'checkpoints')}`);
    expect(stdout).toMatch(/No problems found\.\n$/);
  });

  it('agrees with the addon in --json, and with the recorded resolution', async () => {
    const { code, stdout } = await fasttune('doctor', '--json');
    expect(code).toBe(0);
    const { checks } = JSON.parse(stdout) as { checks: { name: string; status: string; value: string }[] };
    const get = (name: string) => checks.find((c) => c.name === name);
    const v = versions();
    expect(get('LibTorch')?.value).toBe(v.libtorch);
    expect(get('Threads')?.value).toMatch(new RegExp(`^${v.threads} \\(LibTorch intra-op; \\d+ cores available\\)$`));
    expect(get('Node-API (addon)')?.value).toMatch(new RegExp(`^${v.napi} `));
    const record = JSON.parse(readFileSync(join(root, 'build', 'libtorch.json'), 'utf8')) as { source: string; reason: string };
    expect(get('LibTorch resolution')).toMatchObject({ status: 'ok', value: `${record.source}: ${record.reason}` });
  });

  it('sees pretrained weights put in TORCH_HOME', async () => {
    const dir = join(torchHome, 'hub', 'checkpoints');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'resnet34-b627a593.pth'), 'x');
    const { stdout } = await fasttune('doctor');
    expect(stdout).toContain(`resnet34 found at ${join(dir, 'resnet34-b627a593.pth')}`);
  });

  it('exits 2 on a wrong command line', async () => {
    const { code, stderr, stdout } = await fasttune('doctr');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/unknown command 'doctr'/);
  });
});
