// The progress lines of src/core/progress.js, for the install scripts (see core-module.mjs).
import { coreModule } from './core-module.mjs';

export const { createProgress, formatBytes } = await coreModule('progress');
