// A loopback HTTP server for download tests: serves files (with Range support), fails with a
// status, or drops the connection part-way, and counts what it was asked.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route =
  | { body: Buffer }
  /** Sends the headers for the whole body, then `bytes` of it, then cuts the connection. */
  | { body: Buffer; dropAfter: number; times?: number }
  | { status: number };

export interface TestServer {
  url(path: string): string;
  /** Requests seen, in order: path and Range header. */
  requests: { path: string; range: string | undefined }[];
  hits(path: string): number;
  close(): Promise<void>;
}

function serve(route: Route, req: IncomingMessage, res: ServerResponse, dropsLeft: Map<Route, number>): void {
  if ('status' in route) {
    res.writeHead(route.status, { 'content-type': 'text/plain' });
    res.end(`status ${route.status}`);
    return;
  }
  const { body } = route;
  let start = 0;
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (range) start = Number(range[1]);
  const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
  if (range && start > 0) {
    res.writeHead(206, { ...headers, 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
  } else {
    res.writeHead(200, { ...headers, 'content-length': body.length });
  }
  const left = 'dropAfter' in route ? (dropsLeft.get(route) ?? route.times ?? Number.POSITIVE_INFINITY) : 0;
  if ('dropAfter' in route && left > 0) {
    dropsLeft.set(route, left - 1);
    res.write(body.subarray(start, Math.min(body.length, start + route.dropAfter)), () => {
      setTimeout(() => res.socket?.destroy(), 20);
    });
    return;
  }
  res.end(body.subarray(start));
}

/** Starts a server on 127.0.0.1 with `routes` keyed by path. */
export async function startServer(routes: Record<string, Route>): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const dropsLeft = new Map<Route, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ path, range: req.headers.range });
    const route = routes[path];
    if (!route) {
      res.writeHead(404).end('not found');
      return;
    }
    serve(route, req, res, dropsLeft);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    hits: (path) => requests.filter((r) => r.path === path).length,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** A URL on loopback where nothing listens. */
export async function deadUrl(path: string): Promise<string> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return `http://127.0.0.1:${port}${path}`;
}
