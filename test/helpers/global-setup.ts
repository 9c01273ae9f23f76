// Brings the PyTorch reference fixtures up to date once per test run.
// @ts-expect-error plain ESM script without type declarations
import { ensureFixtures } from '../../scripts/fixtures.mjs';

export default function setup(): void {
  (ensureFixtures as () => void)();
}
