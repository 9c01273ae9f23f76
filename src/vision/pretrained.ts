// Where pretrained weights come from: the torch hub cache that PyTorch users already have,
// else torchvision's download server (hash-checked as torch.hub does), else a path the user
// gives. Offline, the error says which file to put where.
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { extname, join, resolve } from 'node:path';
// The downloader is shared with the install script, which runs before TypeScript is built.
import { DownloadError, downloadFile, type DownloadProgress } from '../core/download.js';
import { createProgress } from '../core/progress.js';
import { FasttuneError } from '../core/errors.js';
import { checkOneOf, checkOptions, checkString, invalidParameterError } from '../core/validate.js';
import type { ArchName } from '../model/arch-names.js';

/** torchvision's server for model weights. */
export const TORCHVISION_MODELS_URL = 'https://download.pytorch.org/models/';

/** Architectures with pretrained weights we know how to find. */
export type PretrainedArch = ArchName;

/**
 * File names of torchvision's weights (torchvision 0.14), by architecture and weights name; the
 * hex after the last '-' is the SHA-256 prefix torch.hub checks. `default` is torchvision's DEFAULT.
 */
const WEIGHTS: Record<PretrainedArch, { default: string; files: Record<string, string> }> = {
  resnet18: { default: 'IMAGENET1K_V1', files: { IMAGENET1K_V1: 'resnet18-f37072fd.pth' } },
  resnet34: { default: 'IMAGENET1K_V1', files: { IMAGENET1K_V1: 'resnet34-b627a593.pth' } },
  resnet50: { default: 'IMAGENET1K_V2', files: { IMAGENET1K_V1: 'resnet50-0676ba61.pth', IMAGENET1K_V2: 'resnet50-11ad3fa6.pth' } },
  resnet101: { default: 'IMAGENET1K_V2', files: { IMAGENET1K_V1: 'resnet101-63fe2227.pth', IMAGENET1K_V2: 'resnet101-cd907fc2.pth' } },
  resnet152: { default: 'IMAGENET1K_V2', files: { IMAGENET1K_V1: 'resnet152-394f9c45.pth', IMAGENET1K_V2: 'resnet152-f82ba261.pth' } },
  convnext_tiny: { default: 'IMAGENET1K_V1', files: { IMAGENET1K_V1: 'convnext_tiny-983f1562.pth' } },
};

const WEIGHT_FILE_EXTENSIONS = ['.pth', '.pt', '.safetensors'];

/** torch.hub's rule: the hex run after the last '-' before the extension is the SHA-256 prefix. */
const HASH_IN_NAME = /-([a-f0-9]+)\.[^.]+$/;

export interface ResolvePretrainedOptions {
  arch: PretrainedArch;
  /**
   * A weights name (`'IMAGENET1K_V1'`, or `'DEFAULT'` for the architecture's default) or a path to
   * a `.pth`/`.pt`/`.safetensors` file. Default: `'DEFAULT'`.
   */
  weights?: string;
  /** torch's home folder; default `$TORCH_HOME`, else `$XDG_CACHE_HOME/torch`, else `~/.cache/torch`. */
  torchHome?: string;
  /** Download missing weights. Default: true unless `FASTTUNE_OFFLINE` is set. */
  download?: boolean;
  /** Where to download from; default `$FASTTUNE_WEIGHTS_URL`, else torchvision's server. */
  baseUrl?: string;
  /** Progress on stderr (`true`, the default), none (`false`), or your own callback. */
  progress?: boolean | ((progress: DownloadProgress) => void);
  /** Retries after a network failure (default 3), with delays doubling from `retryDelayMs` (1000). */
  retries?: number;
  retryDelayMs?: number;
  /** Milliseconds to wait for an answer, and for the next bytes of one (default 30000, 60000). */
  timeoutMs?: number;
  idleTimeoutMs?: number;
}

/** torch's home folder as torch.hub computes it. */
export function defaultTorchHome(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const expand = (p: string) => (p === '~' || p.startsWith('~/') ? join(home, p.slice(1)) : p);
  if (env.TORCH_HOME) return expand(env.TORCH_HOME);
  return join(env.XDG_CACHE_HOME ? expand(env.XDG_CACHE_HOME) : join(home, '.cache'), 'torch');
}

/** The folder torch.hub (and we) keep downloaded weights in. */
export function hubCheckpointsDir(torchHome: string = defaultTorchHome()): string {
  return join(torchHome, 'hub', 'checkpoints');
}

/** The file name and URL of a named set of weights. */
export function pretrainedSource(
  arch: PretrainedArch,
  weights = 'DEFAULT',
  baseUrl: string = process.env.FASTTUNE_WEIGHTS_URL || TORCHVISION_MODELS_URL,
): { name: string; file: string; url: string } {
  const known = WEIGHTS[arch];
  const name = weights === 'DEFAULT' ? known.default : weights;
  const file = known.files[name];
  if (!file)
    throw invalidParameterError(
      'pretrainedSource',
      'weights',
      `'DEFAULT' or one of ${Object.keys(known.files)
        .map((k) => `'${k}'`)
        .join(', ')} (for ${arch})`,
      weights,
    );
  return { name, file, url: new URL(file, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).href };
}

/** The options resolvePretrained and fetchCheckpoint share. */
const DOWNLOAD_KEYS = ['torchHome', 'download', 'progress', 'retries', 'retryDelayMs', 'timeoutMs', 'idleTimeoutMs'];

function downloadsAllowed(): boolean {
  const flag = String(process.env.FASTTUNE_OFFLINE ?? '').toLowerCase();
  return !(flag === '1' || flag === 'true');
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function looksLikePath(weights: string): boolean {
  return weights.includes('/') || weights.includes('\\') || WEIGHT_FILE_EXTENSIONS.includes(extname(weights).toLowerCase());
}

function explicitFile(weights: string): string {
  const path = resolve(weights);
  const ext = extname(path).toLowerCase();
  if (!WEIGHT_FILE_EXTENSIONS.includes(ext)) {
    throw invalidParameterError('resolvePretrained', 'weights', `a file ending in ${WEIGHT_FILE_EXTENSIONS.join(', ')}`, path);
  }
  if (!isFile(path)) throw new FasttuneError(`resolvePretrained: weights file ${path} does not exist`, 'E_IO');
  return path;
}

/**
 * The path of a pretrained weights file, downloading it into the torch hub cache if needed.
 *
 * @example
 * const path = await resolvePretrained({ arch: 'resnet34' });
 * // ~/.cache/torch/hub/checkpoints/resnet34-b627a593.pth
 */
export async function resolvePretrained(options: ResolvePretrainedOptions): Promise<string> {
  const where = 'resolvePretrained';
  if (options === undefined) throw invalidParameterError(where, 'options', 'an options object with arch', options);
  checkOptions(where, options, ['arch', ...DOWNLOAD_KEYS, 'weights', 'baseUrl']);
  const arch = checkOneOf(where, 'arch', options.arch, Object.keys(WEIGHTS) as PretrainedArch[]);
  const weights = checkString(where, 'weights', options.weights ?? 'DEFAULT');
  const known = WEIGHTS[arch];
  if (weights !== 'DEFAULT' && !Object.hasOwn(known.files, weights)) {
    if (looksLikePath(weights)) return explicitFile(weights);
    throw invalidParameterError(
      where,
      'weights',
      `a weights name for ${arch} (${['DEFAULT', ...Object.keys(known.files)].join(', ')}) or a path to a ${WEIGHT_FILE_EXTENSIONS.join('/')} file`,
      weights,
    );
  }

  const source = pretrainedSource(arch, weights, options.baseUrl);
  return hubDownload(source.url, {
    ...options,
    fileName: source.file,
    label: `Pretrained weights for ${arch} (${source.name})`,
    alternative: `or pass weights: '/path/to/${source.file}'`,
  });
}

/** Options of {@link fetchCheckpoint}. */
export interface FetchCheckpointOptions
  extends Pick<ResolvePretrainedOptions, 'torchHome' | 'download' | 'progress' | 'retries' | 'retryDelayMs' | 'timeoutMs' | 'idleTimeoutMs'> {
  /** File name in the cache; default: the URL's last path segment. */
  fileName?: string;
  /** Check the SHA-256 prefix in the file name (`name-<hex>.ext`), as torch.hub does. Default true. */
  checkHash?: boolean;
}

/**
 * Like torch.hub's `load_state_dict_from_url`, without the loading: the path of `url`'s file in
 * the hub cache (`<torchHome>/hub/checkpoints`), downloaded first if it is not there. When the
 * file name carries a hash (`resnet34-b627a593.pth`), the download's SHA-256 must start with it.
 *
 * @example
 * const path = await fetchCheckpoint('https://download.pytorch.org/models/resnet34-b627a593.pth');
 */
export async function fetchCheckpoint(url: string, options: FetchCheckpointOptions = {}): Promise<string> {
  if (typeof url !== 'string' || !URL.canParse(url)) throw invalidParameterError('fetchCheckpoint', 'url', 'an absolute URL', url);
  checkOptions('fetchCheckpoint', options, [...DOWNLOAD_KEYS, 'fileName', 'checkHash']);
  return hubDownload(url, { ...options, label: 'Checkpoint' });
}

interface HubDownloadOptions extends FetchCheckpointOptions {
  /** What is being fetched, for error messages. */
  label: string;
  /** Another way out, appended to the fix an error suggests. */
  alternative?: string;
}

async function hubDownload(url: string, options: HubDownloadOptions): Promise<string> {
  const fileName = options.fileName ?? decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  if (!fileName || fileName.includes('/') || fileName.includes('\\')) {
    throw invalidParameterError('fetchCheckpoint', 'options.fileName', `a file name (none can be taken from ${url})`, options.fileName);
  }
  const dir = hubCheckpointsDir(options.torchHome ?? defaultTorchHome());
  const dest = join(dir, fileName);
  if (isFile(dest)) return dest;

  const howToFix = `Put ${fileName} at ${dest} (fetch it from ${url})${options.alternative ? `, ${options.alternative}` : ''}.`;
  if (!(options.download ?? downloadsAllowed())) {
    throw new FasttuneError(`${options.label}: ${fileName} is not in ${dir} and downloading is off (download: false or FASTTUNE_OFFLINE). ${howToFix}`, 'E_IO');
  }
  const sha256Prefix = (options.checkHash ?? true) ? (HASH_IN_NAME.exec(fileName)?.[1] ?? null) : null;
  const progress = options.progress ?? true;
  const bar = progress === true ? createProgress(`fasttune: downloading ${fileName}`) : null;
  try {
    await downloadFile({
      url,
      dest,
      sha256Prefix,
      onProgress: typeof progress === 'function' ? progress : bar?.update,
      ...(options.retries !== undefined && { retries: options.retries }),
      ...(options.retryDelayMs !== undefined && { retryDelayMs: options.retryDelayMs }),
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      ...(options.idleTimeoutMs !== undefined && { idleTimeoutMs: options.idleTimeoutMs }),
    });
  } catch (error) {
    if (!(error instanceof DownloadError)) throw error;
    throw new FasttuneError(`${options.label}: downloading ${fileName} failed: ${error.message}. ${howToFix}`, 'E_IO');
  } finally {
    bar?.done();
  }
  return dest;
}
