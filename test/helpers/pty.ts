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

