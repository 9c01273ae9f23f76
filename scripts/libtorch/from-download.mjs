// Step 4: the official LibTorch archive (CPU, or CUDA when an NVIDIA driver is present),
// checksum-verified and unpacked into the cache folder, reused by later installs.
import { chooseArchive, cacheRoot, downloadsDisabled } from './archives.mjs';
import { installArchive } from './cache.mjs';
import { readTorchVersion, torchDirOfLibtorch } from './config.mjs';

export async function fromDownload(ctx) {
  if (downloadsDisabled(ctx.env)) return { skipped: 'downloads are disabled (FASTTUNE_OFFLINE or npm --offline)' };
  const choice = chooseArchive(ctx);
  if (choice.skipped) return choice;
  const { archive } = choice;
  if (!archive.sha256) {
    return {
      skipped: `no pinned SHA-256 for ${archive.url}; set FASTTUNE_LIBTORCH_SHA256 to its checksum ` + '(from a source you trust) to allow this archive',
    };
  }
  let installed;
  try {
    installed = await installArchive(ctx, archive, cacheRoot(ctx));
  } catch (error) {
    return { skipped: error.message };
  }
  const torchDir = torchDirOfLibtorch(installed.dir);
  const version = readTorchVersion(ctx, torchDir) ?? archive.version;
  const what = version ? `LibTorch ${version} (${archive.variant})` : `LibTorch (${archive.variant})`;
  return {
    found: {
      source: 'download',
      reason: installed.reused ? `${what} already in the cache ${installed.dir} (${archive.why})` : `${what} downloaded into ${installed.dir} (${archive.why})`,
      torchDir,
      version,
      variant: archive.variant,
      archive: { url: archive.url, sha256: archive.sha256, dir: installed.dir, reused: installed.reused },
    },
  };
}
