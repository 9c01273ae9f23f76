import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // LibTorch and sharp each want every core; parallel test files would only fight over two.
    fileParallelism: false,
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
