import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import type { WanError } from '../../../src/wan/errors.js';
import { LinkRig } from './rig.js';
import { startTestBroker } from './test-broker.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('mqtts:// to a plain MQTT port', () => {
  it('is reported as a TLS problem naming the likely mistake, not as an unreachable broker', async () => {
    // A real mosquitto on a plain (non-TLS) port of its own.
    const plain = await startTestBroker();
    cleanups.push(() => plain.stop());
    const port = new URL(plain.url).port;
    const hub = await LinkRig.create({ broker: `mqtts://127.0.0.1:${port}` }, { clock: new ManualClock() });
    cleanups.push(() => hub.dispose());
    const failed = new Promise<WanError>((resolve) => hub.link.once('retrying', (error) => resolve(error)));
    await hub.link.start();
    const error = await failed;
    expect(error.code).toBe('WAN_TLS');
    expect(error.message).toMatch(/TLS handshake.*plain.*mqtt:\/\//);
  });
});
