import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { usePtyPair, freeTcpPort } from './pty.js';
describe('pty', () => {
  it('makes a pair and kills it', async () => {
    const p = await usePtyPair();
    expect(existsSync(p.a)).toBe(true);
    expect(p.a).not.toBe(p.b);
    await p.close();
    expect(existsSync(p.a)).toBe(false);
    await p.close();
  });
  it('port', async () => { expect(await freeTcpPort()).toBeGreaterThan(0); });
});
