// The zip extraction of src/core/unzip.js, for the install scripts (see core-module.mjs).
import { coreModule } from './core-module.mjs';

export const { extractZip } = await coreModule('unzip');
