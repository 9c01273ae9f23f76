// Brings the PyTorch reference fixtures up to date once per test run (all of them, or only those
// named in FASTTUNE_FIXTURES, comma-separated, e.g. on a GPU machine that runs a few suites).
import { ensureFixtures } from '../reference/fixtures.mjs';

export default function setup(): void {
  const only = process.env.FASTTUNE_FIXTURES?.split(',').filter(Boolean);
  (ensureFixtures as (names?: string[]) => void)(only?.length ? only : undefined);
}
