// `fasttune serve <model>`: an exported model behind HTTP on loopback (or --host), concurrent
// requests batched, until SIGTERM or SIGINT, which finish the accepted requests and exit 0.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeviceName } from '../model/vision-model.js';
import { EXIT, type Command, UsageError } from './command.js';
import { numberOption } from './options.js';

/** How long a shutdown waits for open connections after the last answer before cutting them. */
const CLOSE_GRACE_MS = 2_000;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'answer predictions over HTTP, batching concurrent requests',
  synopsis: '<model> [options]',
  description: [
    'Serves a model written by `fasttune train` (or learn.export): POST /predict with the bytes of an image',
    '(or a multipart form with its file; ?topk=3 keeps the 3 most probable labels), GET /health, GET /metadata,',
    'GET /metrics (Prometheus). Concurrent requests share one eval step, up to --max-batch images or',
    '--max-delay-ms of waiting. SIGTERM or SIGINT stops taking requests, answers those accepted, and exits 0.',
  ].join('\n'),
  options: {
    port: { type: 'string', valueName: 'n', description: 'TCP port (0: a free one, printed)', default: '8080' },
    host: { type: 'string', valueName: 'address', description: 'address to listen on (0.0.0.0: every interface)', default: '127.0.0.1' },
    device: { type: 'string', valueName: 'device', description: "'cpu', 'cuda', 'cuda:N' or 'auto'", default: 'auto' },
    'max-batch': { type: 'string', valueName: 'n', description: 'most images per eval step (1: no batching)', default: '32' },
    'max-delay-ms': { type: 'string', valueName: 'ms', description: 'longest wait of a request for others to join its batch', default: '5' },
    'max-queue': { type: 'string', valueName: 'n', description: 'most images waiting; beyond it 503 with Retry-After', default: '256' },
    'max-body': { type: 'string', valueName: 'bytes', description: 'largest request body; beyond it 413', default: '10485760' },
    'max-pixels': { type: 'string', valueName: 'n', description: 'largest width × height an image may decode to; beyond it 400', default: '40000000' },
    'timeout-ms': { type: 'string', valueName: 'ms', description: 'time from a request to its answer; beyond it 504', default: '30000' },
  },
  maxPositionals: 1,
  async run(values, positionals, io) {
    const [model] = positionals;
    if (model === undefined) throw new UsageError('give a model file');
    const device = String(values.device ?? 'auto');
    if (!/^(cpu|cuda|auto|cuda:\d+)$/.test(device)) throw new UsageError(`expected cpu, cuda, cuda:N or auto for --device but received '${device}'`);
    const port = numberOption(values, 'port', 8080, { integer: true, min: 0, max: 65535 });
    const host = String(values.host ?? '127.0.0.1');
    const options = {
      maxBatch: numberOption(values, 'max-batch', 32, { integer: true, min: 1 }),
      maxDelayMs: numberOption(values, 'max-delay-ms', 5, { integer: true, min: 0 }),
      maxQueue: numberOption(values, 'max-queue', 256, { integer: true, min: 1 }),
      maxBodyBytes: numberOption(values, 'max-body', 10_485_760, { integer: true, min: 1 }),
      maxPixels: numberOption(values, 'max-pixels', 40_000_000, { integer: true, min: 1 }),
      timeoutMs: numberOption(values, 'timeout-ms', 30_000, { integer: true, min: 1 }),
    };
    const { loadLearner } = await import('../vision/load-learner.js');
    const { createPredictionServer } = await import('../serve/server.js');
    const learn = await loadLearner(model, { device: device as DeviceName });
    try {
      const handler = createPredictionServer(learn, options);
      const server = createServer({ requestTimeout: options.timeoutMs + CLOSE_GRACE_MS }, handler);
      server.listen(port, host);
      await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error))]);
      await handler.ready;
      const { address, port: bound } = server.address() as AddressInfo;
      const url = `http://${address.includes(':') ? `[${address}]` : address}:${bound}`;
      io.stdout.write(`fasttune serve: ${model} (${learn.dls.vocab.length} labels) ready on ${url}\n`);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        const stop = (name: NodeJS.Signals) => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          resolve(name);
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      io.stdout.write(`fasttune serve: ${signal}: finishing the requests in flight\n`);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await handler.close();
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      await closed;
      clearTimeout(cut);
      io.stdout.write('fasttune serve: stopped\n');
      return EXIT.ok;
    } finally {
      learn.dispose();
    }
  },
};
