// Lets Node load the TypeScript sources directly (for worker threads started from src/ while
// testing or benchmarking): `node --import ./test/helpers/ts-register.mjs …`. Uses esbuild, which the
// test tooling brings; the published library runs from dist/ and never needs this.
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
