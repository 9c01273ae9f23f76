// A decode worker thread (see pool.ts): keeps an image source (cache + sharp calls) per dataset
// and renders the items of the batches it is sent.
import { parentPort } from 'node:worker_threads';
import { FasttuneError } from '../core/errors.js';
import { nativeJpegDecoder } from './native-image.js';
import type { WorkerReply, WorkerRequest } from './pool.js';
import { decodeItems, renderItems } from './render-items.js';
import { ImageSource } from './source.js';

const port = parentPort!;
const sources = new Map<number, ImageSource>();

async function handle(request: Extract<WorkerRequest, { kind: 'render' | 'decode' }>): Promise<WorkerReply> {
  let source = sources.get(request.source.id);
  if (!source) {
    if (!request.source.options) throw new FasttuneError(`decode worker: unknown image source ${request.source.id}`, 'E_NATIVE');
    source = new ImageSource(request.source.options);
    sources.set(request.source.id, source);
  }
  const cache = () => ({ images: source.cache.size, bytes: source.cache.bytes });
  if (request.kind === 'render') {
    await renderItems(source, request.job, new Uint8Array(request.out!));
    return { kind: 'done', id: request.id, cache: cache() };
  }
  const images = await decodeItems(source, request.job);
  return {
    kind: 'done',
    id: request.id,
    cache: cache(),
    images: images.map((image, i) => ({ slot: request.job.items[i]!.slot, width: image.width, height: image.height, data: new Uint8Array(image.data) })),
  };
}

/** A plain copy of a shared batch buffer, to be transferred to the main thread. */
function exported(request: Extract<WorkerRequest, { kind: 'export' }>): WorkerReply {
  const copy = new Uint8Array(request.out.byteLength);
  copy.set(new Uint8Array(request.out));
  return { kind: 'done', id: request.id, buffer: copy.buffer };
}

function transferables(reply: WorkerReply): ArrayBuffer[] {
  if (reply.kind !== 'done') return [];
  if (reply.buffer) return [reply.buffer];
  return (reply.images ?? []).map((i) => i.data.buffer as ArrayBuffer);
}

port.on('message', (request: WorkerRequest) => {
  if (request.kind === 'release') {
    sources.get(request.source)?.cache.clear();
    sources.delete(request.source);
    return;
  }
  const work = request.kind === 'export' ? Promise.resolve().then(() => exported(request)) : handle(request);
  work.then(
    (reply) => port.postMessage(reply, transferables(reply)),
    (error: unknown) => {
      const code = error instanceof FasttuneError ? error.code : 'E_NATIVE';
      port.postMessage({ kind: 'failed', id: request.id, message: error instanceof Error ? error.message : String(error), code } satisfies WorkerReply);
    },
  );
});

// Load the JPEG decoder now rather than inside the first batch.
nativeJpegDecoder();
port.postMessage({ kind: 'ready' } satisfies WorkerReply);
