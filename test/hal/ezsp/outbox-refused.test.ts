import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { EzspError } from '../../../hal/ezsp/errors.js';
import { UnicastQueue as Outbox, type TransmitResult } from '../../../hal/ezsp/unicast-queue.js';

const ADDRESS = { profileId: 0x0109, clusterId: 0x0704, sourceEndpoint: 1, destinationEndpoint: 1 };
const DEVICE = '00DB1234567890A0';

/**
 * sendUnicast can fail while the link stays up: the NCP answers invalidCommand to a frame a line
 * error damaged past the CRC. Nothing else will restart the device's queue then, so the outbox must
 * send again at once, not leave the message waiting until it fails NETWORK_DOWN.
 */
describe('Outbox when sendUnicast fails with the link up', () => {
  function outboxWith(transmit: () => Promise<TransmitResult>) {
    const clock = new ManualClock(0);
    let tag = 0;
    let attempts = 0;
    const outbox = new Outbox(
      { clock, canSend: () => true, transmit: () => (attempts++, transmit()), nextTag: () => ++tag },
      { networkWaitMs: 60_000, deliveryTimeoutMs: 30_000, maxResends: 3 },
    );
    return { outbox, attempts: () => attempts };
  }
  const refused = () => Promise.reject(new EzspError('EZSP_INVALID_COMMAND', 'NCP refused the command', { where: 'EZSP sendUnicast' }));

  it('sends again at once, and the next message follows', async () => {
    let answers = 0;
    const { outbox, attempts } = outboxWith(() => (answers++ === 0 ? refused() : Promise.resolve({ kind: 'unknown-device' })));
    const first = outbox.send(DEVICE, ADDRESS, Buffer.from('01', 'hex'));
    const second = outbox.send(DEVICE, ADDRESS, Buffer.from('02', 'hex'));
    // 'unknown-device' ends a message at once, so both end without any clock time passing.
    expect(await first).toMatchObject({ delivered: false, reason: 'NOT_JOINED' });
    expect(await second).toMatchObject({ delivered: false, reason: 'NOT_JOINED' });
    expect(attempts()).toBe(3);
  });

  it('gives up after maxResends refusals with RADIO_FAILURE', async () => {
    const { outbox, attempts } = outboxWith(refused);
    expect(await outbox.send(DEVICE, ADDRESS, Buffer.from('03', 'hex'))).toMatchObject({ delivered: false, reason: 'RADIO_FAILURE' });
    expect(attempts()).toBe(4);
  });
});
