// Which official LibTorch archive to fetch, and the checksum it must have.
//
// Checksums are pinned only where the same SHA-256 of the official file is published by
// independent public build recipes. The CPU pin is the cxx11-ABI build; the CUDA pin is the
// pre-cxx11-ABI build (the one with an agreed published checksum). Both work: CMake passes
// the archive's own TORCH_CXX_FLAGS (the ABI macro) to our compile. Any other variant (say
// cu118 for an older driver) needs FASTTUNE_LIBTORCH_SHA256 from a source you trust.
import { join } from 'node:path';

export const LIBTORCH_RELEASE = '2.5.1';
const BASE = 'https://download.pytorch.org/libtorch';

const PINNED = {
  'linux-x64': {
    cpu: {
      file: `libtorch-cxx11-abi-shared-with-deps-${LIBTORCH_RELEASE}%2Bcpu.zip`,
      sha256: '618ca54eef82a1dca46ff1993d5807d9c0deb0bae147da4974166a147cb562fa',
    },
    cu124: {
      file: `libtorch-shared-with-deps-${LIBTORCH_RELEASE}%2Bcu124.zip`,
      sha256: '470ab7f7f56e96d28d1dc9ae34ceb2e0d8723cc2899c5d0192f4cb12b8f7843b',
    },
  },
};

const SHA256 = /^[0-9a-f]{64}$/;

/** True when the environment forbids downloads (our flag or `npm install --offline`). */
export function downloadsDisabled(env) {
  return ['1', 'true'].includes(String(env.FASTTUNE_OFFLINE ?? '').toLowerCase()) || env.npm_config_offline === 'true';
}

/**
 * Whether an NVIDIA driver is present and, from nvidia-smi, the newest CUDA it supports.
 * Returns `{ present, via, cuda }` (`cuda` like "12.4", or null).
 */
export function detectNvidia(ctx) {
  const smi = ctx.which('nvidia-smi');
  if (smi) {
    const result = ctx.run(smi, [], { timeoutMs: 20_000 });
    if (!result.error && result.status === 0) {
      const match = /CUDA Version:\s*(\d+)\.(\d+)/.exec(result.stdout ?? '');
      return { present: true, via: 'nvidia-smi', cuda: match ? `${match[1]}.${match[2]}` : null };
    }
  }
  if (ctx.exists('/proc/driver/nvidia/version')) return { present: true, via: '/proc/driver/nvidia', cuda: null };
  return { present: false, via: null, cuda: null };
}

/** 'cpu' or a CUDA tag like 'cu124', and why. */
export function chooseVariant(ctx) {
  const forced = ctx.env.FASTTUNE_LIBTORCH_VARIANT;
  if (forced) {
    if (!/^(cpu|cu\d{3})$/.test(forced)) {
      throw new Error(`FASTTUNE_LIBTORCH_VARIANT=${forced} is not 'cpu' or a CUDA tag like 'cu124'`);
    }
    return { variant: forced, why: `FASTTUNE_LIBTORCH_VARIANT=${forced}` };
  }
  const gpu = detectNvidia(ctx);
  if (!gpu.present) return { variant: 'cpu', why: 'no NVIDIA driver found' };
  const major = gpu.cuda ? Number(gpu.cuda.split('.')[0]) : 12;
  // CUDA 12 builds run on any 12.x driver (minor-version compatibility); older drivers need cu118.
  const variant = major >= 12 ? 'cu124' : 'cu118';
  return { variant, why: `NVIDIA driver found (${gpu.via}${gpu.cuda ? `, CUDA ${gpu.cuda}` : ''})` };
}

/**
 * The archive to fetch: `{ archive }` with `{ version, variant, url, sha256, key, why }`
 * (`sha256` null when nothing is pinned or given), or `{ skipped }` with the reason.
 */
export function chooseArchive(ctx) {
  const { env } = ctx;
  const given = env.FASTTUNE_LIBTORCH_SHA256?.trim().toLowerCase();
  if (given && !SHA256.test(given)) {
    throw new Error(`FASTTUNE_LIBTORCH_SHA256 must be 64 hex digits, got '${env.FASTTUNE_LIBTORCH_SHA256}'`);
  }
  const { variant, why } = chooseVariant(ctx);
  const platform = `${ctx.platform}-${ctx.arch}`;
  const pinned = PINNED[platform]?.[variant];
  if (env.FASTTUNE_LIBTORCH_URL) {
    const sha256 = given ?? pinned?.sha256 ?? null;
    // A mirror of the pinned archive shares its cache folder; anything else gets its own.
    const key = given ? `custom-${given.slice(0, 12)}` : `${LIBTORCH_RELEASE}-${variant}`;
    return {
      archive: { version: given ? null : LIBTORCH_RELEASE, variant, url: env.FASTTUNE_LIBTORCH_URL, sha256, key, why: `FASTTUNE_LIBTORCH_URL is set; ${why}` },
    };
  }
  if (!PINNED[platform]) {
    return {
      skipped: `no official LibTorch archive is known for ${platform}; set FASTTUNE_LIBTORCH_URL and FASTTUNE_LIBTORCH_SHA256`,
    };
  }
  const file = pinned?.file ?? `libtorch-cxx11-abi-shared-with-deps-${LIBTORCH_RELEASE}%2B${variant}.zip`;
  return {
    archive: {
      version: LIBTORCH_RELEASE,
      variant,
      url: `${BASE}/${variant}/${file}`,
      sha256: given ?? pinned?.sha256 ?? null,
      key: `${LIBTORCH_RELEASE}-${variant}`,
      why,
    },
  };
}

/** The fasttune cache folder: FASTTUNE_CACHE, else $XDG_CACHE_HOME/fasttune, else ~/.cache/fasttune. */
export function cacheRoot(ctx) {
  const { env } = ctx;
  if (env.FASTTUNE_CACHE) return env.FASTTUNE_CACHE;
  return join(env.XDG_CACHE_HOME || join(ctx.homedir, '.cache'), 'fasttune');
}
