// Step 3: Debian/Ubuntu's libtorch-dev keeps its CMake config in the multiarch library folder.
import { join } from 'node:path';
import { hasConfig, readTorchVersion } from './config.mjs';

export const SYSTEM_ROOTS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/usr/local/lib'];

export async function fromSystem(ctx, { source = 'system' } = {}) {
  const roots = ctx.systemRoots ?? SYSTEM_ROOTS;
  for (const root of roots) {
    const torchDir = join(root, 'cmake', 'Torch');
    if (hasConfig(ctx, torchDir)) {
      const version = readTorchVersion(ctx, torchDir);
      return {
        found: { source, reason: `system LibTorch${version ? ` ${version}` : ''} found in ${torchDir}`, torchDir, version },
      };
    }
  }
  return { skipped: `no TorchConfig.cmake under ${roots.map((r) => join(r, 'cmake', 'Torch')).join(', ')}` };
}
