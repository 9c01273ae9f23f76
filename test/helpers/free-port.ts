// A loopback port for a test's rendezvous.
import { createServer } from 'node:net';

/** A port nothing listens on now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  // Below Linux's ephemeral range (32768+): a rank connecting before rank 0 listens could
  // otherwise be handed the very port as its own and connect to itself.
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise((resolve) => server.close(resolve));
      return port;
    }
  }
}
