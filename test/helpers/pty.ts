import { createServer } from 'node:net';
import { onTestFinished } from 'vitest';
import { openPtyPair, type PtyPair } from './socat-pty.js';

// The socat part lives in a plain module so benchmarks, which run outside vitest, can use it too.
export { openPtyPair, type PtyPair } from './socat-pty.js';

/** `openPtyPair` for use inside a test: socat is killed when the test finishes, pass or fail. */
export async function usePtyPair(): Promise<PtyPair> {
  const pair = await openPtyPair();
  onTestFinished(() => pair.close());
  return pair;
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago. Prefer listening on port 0 directly; use this
 * only where a port must be known before anything listens (e.g. to test "connection refused").
 */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port was bound'))));
    });
  });
}
