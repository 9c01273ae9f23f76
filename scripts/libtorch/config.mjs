// What makes a folder a usable LibTorch for CMake, and what version it claims to be.
import { join } from 'node:path';

export const CONFIG = 'TorchConfig.cmake';

/** Where an unpacked LibTorch (official archive layout) keeps its CMake config. */
export function torchDirOfLibtorch(root) {
  return join(root, 'share', 'cmake', 'Torch');
}

/** True when `dir` holds TorchConfig.cmake. */
export function hasConfig(ctx, dir) {
  return typeof dir === 'string' && dir !== '' && ctx.exists(join(dir, CONFIG));
}

/** The version TorchConfigVersion.cmake declares next to the config, or null. */
export function readTorchVersion(ctx, torchDir) {
  const text = ctx.readText(join(torchDir, 'TorchConfigVersion.cmake'));
  const match = text && /set\(PACKAGE_VERSION\s+"([^"]+)"\)/.exec(text);
  return match ? match[1] : null;
}
