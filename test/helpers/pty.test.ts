import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { usePtyPair } from './pty.js';
import { freeTcpPort } from './ports.js';

describe('test helpers', () => {
  it('makes a pty pair whose ends vanish once socat is closed', async () => {
    const pair = await usePtyPair();
    expect(existsSync(pair.a)).toBe(true);
    expect(existsSync(pair.b)).toBe(true);
    expect(pair.a).not.toBe(pair.b);
    await pair.close();
    expect(existsSync(pair.a)).toBe(false);
    await pair.close(); // twice is harmless
  });

  it('finds a TCP port that can then be listened on', async () => {
    const port = await freeTcpPort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    server.close();
    expect(port).toBeGreaterThan(0);
  });
});
