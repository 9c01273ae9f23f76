// Step 5: when no archive could be fetched, a Debian/Ubuntu machine run as root can still get
// LibTorch from its own package mirror. OpenBLAS comes with it: Debian's LibTorch links
// libblas.so.3, which without it is the netlib reference BLAS, an order of magnitude slower at
// matrix products; libopenblas0-pthread takes libblas.so.3 over through update-alternatives.
import { fromSystem } from './from-system.mjs';

const PACKAGES = ['libtorch-dev', 'libopenblas0-pthread'];

function isDebian(ctx) {
  if (ctx.exists('/etc/debian_version')) return true;
  const osRelease = ctx.readText('/etc/os-release') ?? '';
  return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(osRelease);
}

export async function fromApt(ctx) {
  if (ctx.platform !== 'linux') return { skipped: `not Linux (${ctx.platform})` };
  if (!isDebian(ctx)) return { skipped: 'not a Debian/Ubuntu system' };
  if (ctx.env.FASTTUNE_NO_APT) return { skipped: 'disabled by FASTTUNE_NO_APT' };
  const aptGet = ctx.which('apt-get');
  if (!aptGet) return { skipped: 'apt-get not found' };
  if (!ctx.isRoot()) return { skipped: `not root (run \`sudo apt-get install ${PACKAGES.join(' ')}\` yourself)` };

  const env = { ...ctx.env, DEBIAN_FRONTEND: 'noninteractive' };
  // libtorch-dev pulls in about a gigabyte of packages: allow a slow mirror half an hour.
  const options = { env, inherit: true, timeoutMs: 30 * 60_000 };
  const install = () => ctx.run(aptGet, ['install', '-y', '--no-install-recommends', ...PACKAGES], options);
  ctx.log(`fasttune: running apt-get install -y ${PACKAGES.join(' ')}`);
  let result = install();
  if (result.error || result.status !== 0) {
    // Stale package lists are the usual cause; refresh once and try again.
    ctx.log('fasttune: apt-get install failed; running apt-get update and trying once more');
    ctx.run(aptGet, ['update'], options);
    result = install();
  }
  if (result.error || result.status !== 0) {
    return { skipped: `apt-get install ${PACKAGES.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})` };
  }
  const found = await fromSystem(ctx, { source: 'apt' });
  if (!found.found) return { skipped: `apt-get installed libtorch-dev, yet ${found.skipped}` };
  found.found.reason = `installed ${PACKAGES.join(' and ')} with apt-get; ${found.found.reason}`;
  return found;
}
