import { afterEach, expect, it } from 'vitest';
import type { Eui64 } from '../../../hal/radio.js';
import { encodeMessage } from '../../../src/gbcs/index.js';
import { CHF_STATES } from '../../conformance/chf-seeds.js';
import { buildCommand, ConformanceHub } from '../../conformance/harness.js';
import { describeRtds } from '../../helpers/rtds.js';
import { sampleCommand } from '../../gbcs/sample.js';

/**
 * Relays cannot hold the hub's own commands back: anyone can send one (the hub cannot authenticate
 * what it relays), and each may wait on a slow HAN. The HAN here is a relay that delivers nothing
 * until the test lets it, standing in for an NCP that takes its time, so nothing depends on timing.
 */
const CCS06_PAYLOAD = Buffer.from('d920000514000101006800001e0300ff040100', 'hex');
const ESME: Eui64 = '00DB1234567890A0';

class HeldRelay {
  readonly received: Buffer[] = [];
  private release: () => void = () => undefined;
  private readonly released = new Promise<void>((resolve) => (this.release = resolve));

  async relay(_eui64: Eui64, bytes: Buffer): Promise<unknown> {
    this.received.push(bytes);
    await this.released;
    return { status: 'DELIVERED' };
  }

  open(): void {
    this.release();
  }
}

let harness: ConformanceHub | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describeRtds('relays and the hub’s own commands', () => {
  it('answers a CHF command while relays before it still wait on the HAN, and keeps the relays in order', async () => {
    const relay = new HeldRelay();
    harness = await ConformanceHub.open({ seed: CHF_STATES['CCS06_SUCCESS']!.seed, extras: async () => ({ relay }) });
    const forged = Array.from({ length: 60 }, (_, i) => encodeMessage(sampleCommand({ recipient: ESME, originatorCounter: 0x9000n + BigInt(i) })));
    const relayed = forged.map((bytes) => harness!.process(bytes));
    const own = await harness.process(await buildCommand(harness, { messageCode: 0x010f, payload: CCS06_PAYLOAD, counter: 4000n }));
    expect(own.kind).toBe('answered');
    expect(relay.received).toHaveLength(1);
    relay.open();
    const outcomes = await Promise.all(relayed);
    expect(outcomes.every((outcome) => outcome.kind === 'relayed')).toBe(true);
    expect(relay.received).toEqual(forged);
  });
});
