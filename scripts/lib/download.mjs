// The downloader of src/core/download.js, for the install scripts (see core-module.mjs).
import { coreModule } from './core-module.mjs';

export const { DownloadError, downloadFile, sha256File } = await coreModule('download');
