// Step 1: an explicit choice. A broken explicit choice stops the install instead of being
// quietly replaced by another LibTorch.
import { join } from 'node:path';
import { CONFIG, hasConfig, readTorchVersion, torchDirOfLibtorch } from './config.mjs';

export async function fromEnvironment(ctx) {
  const { Torch_DIR: torchDirEnv, LIBTORCH: libtorch } = ctx.env;
  if (torchDirEnv) {
    if (!hasConfig(ctx, torchDirEnv)) {
      throw new Error(`Torch_DIR=${torchDirEnv} holds no ${CONFIG}; point it at the folder that does, or unset it`);
    }
    return {
      found: { source: 'Torch_DIR', reason: 'Torch_DIR is set', torchDir: torchDirEnv, version: readTorchVersion(ctx, torchDirEnv) },
    };
  }
  if (libtorch) {
    const torchDir = torchDirOfLibtorch(libtorch);
    if (!hasConfig(ctx, torchDir)) {
      throw new Error(
        `LIBTORCH=${libtorch} is not an unpacked LibTorch (no ${join('share', 'cmake', 'Torch', CONFIG)} in it); ` +
          'point it at the folder the official archive unpacks to (the one holding lib/ and include/), or unset it',
      );
    }
    return { found: { source: 'LIBTORCH', reason: 'LIBTORCH is set', torchDir, version: readTorchVersion(ctx, torchDir) } };
  }
  return { skipped: 'neither LIBTORCH nor Torch_DIR is set' };
}
