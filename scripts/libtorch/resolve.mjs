// Decides which LibTorch the addon builds against, in a fixed order, and says why.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const CONFIG = 'TorchConfig.cmake';

// Where an unpacked LibTorch (official archive layout) keeps its CMake config.
export function torchDirOfLibtorch(root) {
  return join(root, 'share', 'cmake', 'Torch');
}

function hasConfig(dir) {
  return dir != null && existsSync(join(dir, CONFIG));
}

// 1. An explicit choice by the user.
export function fromEnvironment(env) {
  if (env.Torch_DIR) {
    if (!hasConfig(env.Torch_DIR)) {
      throw new Error(`Torch_DIR=${env.Torch_DIR} holds no ${CONFIG}`);
    }
    return { torchDir: env.Torch_DIR, source: 'Torch_DIR', reason: 'Torch_DIR is set' };
  }
  if (env.LIBTORCH) {
    const torchDir = torchDirOfLibtorch(env.LIBTORCH);
    if (!hasConfig(torchDir)) {
      throw new Error(`LIBTORCH=${env.LIBTORCH} is not an unpacked LibTorch (no ${join('share/cmake/Torch', CONFIG)})`);
    }
    return { torchDir, source: 'LIBTORCH', reason: 'LIBTORCH is set' };
  }
  return null;
}

// 3. Debian/Ubuntu's libtorch-dev keeps its config in the multiarch library folder.
export function fromSystem(roots = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/usr/local/lib']) {
  for (const root of roots) {
    const torchDir = join(root, 'cmake', 'Torch');
    if (hasConfig(torchDir)) {
      return { torchDir, source: 'system', reason: `system LibTorch found in ${torchDir}` };
    }
  }
  return null;
}

export async function resolveLibtorch({ env = process.env } = {}) {
  const tried = [];
  for (const [name, step] of [
    ['LIBTORCH / Torch_DIR', () => fromEnvironment(env)],
    ['system libtorch-dev', () => fromSystem()],
  ]) {
    const found = await step();
    if (found) return found;
    tried.push(name);
  }
  throw new Error(
    `No LibTorch found (tried: ${tried.join(', ')}).\n` +
      'Fix one of: set LIBTORCH to an unpacked LibTorch; set Torch_DIR to a folder with TorchConfig.cmake; ' +
      'on Debian/Ubuntu run `sudo apt-get install libtorch-dev`.',
  );
}
