import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { UnicastQueue as Outbox, type TransmitResult } from '../../../hal/ezsp/unicast-queue.js';
import type { DeliveryOutcome } from '../../../hal/radio.js';

const ADDRESS = { profileId: 0x0109, clusterId: 0x0704, sourceEndpoint: 1, destinationEndpoint: 1 };
const DEVICE = '00DB1234567890A0';

/**
 * The NCP can answer sendUnicast and report the message's delivery in the same serial read, so the
 * report may be handled before the answer. The outbox must not lose it (and then time out).
 */
describe('Outbox delivery reports', () => {
  function outboxWith(transmit: (tag: number) => Promise<TransmitResult>) {
    const clock = new ManualClock(0);
    let tag = 0;
    const outbox = new Outbox(
      { clock, canSend: () => true, transmit: (_e, _a, _p, t) => transmit(t), nextTag: () => ++tag },
      { networkWaitMs: 60_000, deliveryTimeoutMs: 30_000, maxResends: 3 },
    );
    return { clock, outbox };
  }

  it('keeps a report that overtakes the answer to sendUnicast', async () => {
    let accept: (() => void) | undefined;
    const { clock, outbox } = outboxWith(() => new Promise((resolve) => (accept = () => resolve({ kind: 'accepted' }))));
    const sent = outbox.send(DEVICE, ADDRESS, Buffer.from('01', 'hex'));
    outbox.settle(1, true, 'SUCCESS');
    accept!();
    const outcome: DeliveryOutcome = await sent;
    expect(outcome).toEqual({ delivered: true });
    expect(outbox.size).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('reports a failure that overtook the answer as NO_ACK, not as a timeout', async () => {
    let accept: (() => void) | undefined;
    const { outbox } = outboxWith(() => new Promise((resolve) => (accept = () => resolve({ kind: 'accepted' }))));
    const sent = outbox.send(DEVICE, ADDRESS, Buffer.from('02', 'hex'));
    outbox.settle(1, false, 'DELIVERY_FAILED');
    accept!();
    expect(await sent).toEqual({ delivered: false, reason: 'NO_ACK', detail: 'DELIVERY_FAILED' });
  });

  it('still times out when no report ever comes', async () => {
    const { clock, outbox } = outboxWith(async () => ({ kind: 'accepted' }));
    const sent = outbox.send(DEVICE, ADDRESS, Buffer.from('03', 'hex'));
    await new Promise((resolve) => setImmediate(resolve)); // let the accepted answer arm the delivery timer
    await clock.advance(30_000);
    expect(await sent).toMatchObject({ delivered: false, reason: 'TIMEOUT' });
  });
});
