import { EventEmitter } from 'node:events';
import { createPublicKey, verify } from 'node:crypto';
import { afterEach, beforeAll, expect, it } from 'vitest';
import {
  ccs08Payload,
  FIRMWARE_TRANSFER_OUTCOMES,
  raiseCcs08,
  watchFirmwareTransfers,
  type FirmwareTransferEvent,
  type FirmwareTransferEvents,
} from '../../src/chf/use-cases/ccs08-firmware-transfer-alert.js';
import { decodeMessage, signedPart } from '../../src/gbcs/index.js';
import { decodeAsn1, firmwareTransferAlert } from '../../src/gbcs/payload/asn1/views.js';
import type { AlertRequest } from '../../src/use-case/use-case.js';
import { describeRtds, loadVectors } from '../helpers/rtds.js';
import { ConformanceHub, RTDS_IDENTITY, rtdsKeystore } from './harness.js';

/**
 * CCS08 travels signed by the CHF, not MACed. The RTDS keystore holds the CHF's Digital Signing
 * certificate but not its private key, and ECDSA signatures are randomised: so everything but the
 * 64 signature octets is compared byte for byte, and the RTDS signature is verified, with the
 * CHF's certificate, over the bytes this hub signed. The hub signs here with a key made for the test.
 */
const RTDS_EVENT: FirmwareTransferEvent = {
  at: Date.UTC(2015, 0, 1),
  target: '00DB1234567890A4',
  firmwareVersion: Buffer.from('0123abcd', 'hex'),
  outcome: 'transferSucceeded',
};
const SIGNATURE = 64;

let harness: ConformanceHub | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describeRtds('RTDS conformance: the CCS08 firmware transfer alert', () => {
  const vector = () => loadVectors().find((v) => v.name === 'CCS08_NA_NA_ALERT_GBCS.HEX')!.bytes;
  let testKey: Buffer;
  beforeAll(async () => {
    testKey = await (await rtdsKeystore()).secureElement.generateKeyPair(RTDS_IDENTITY.chf, 'digitalSigning');
  });

  it('is the RTDS alert up to its signature, and the RTDS signature verifies over what the hub signed', async () => {
    harness = await ConformanceHub.open({ seed: { counters: { own: 0xf9f } } });
    raiseCcs08(harness.hub.router.alerts, RTDS_IDENTITY, RTDS_EVENT);
    await expect.poll(() => harness!.looseAlerts.length).toBe(1);
    const ours = harness.looseAlerts[0]!.bytes;
    const expected = vector();
    expect(ours.length).toBe(expected.length);
    expect(ours.subarray(0, -SIGNATURE).toString('hex')).toBe(expected.subarray(0, -SIGNATURE).toString('hex'));

    const chfCertificate = (await rtdsKeystore()).trustStore.forEui(RTDS_IDENTITY.chf, 'digitalSigning')!;
    const signed = signedPart(decodeMessage(ours));
    const key = (der: Buffer) => createPublicKey({ key: der, format: 'der', type: 'spki' });
    expect(verify('sha256', signed, { key: key(chfCertificate.publicKeyDer), dsaEncoding: 'ieee-p1363' }, expected.subarray(-SIGNATURE))).toBe(true);
    expect(verify('sha256', signed, { key: key(testKey), dsaEncoding: 'ieee-p1363' }, ours.subarray(-SIGNATURE))).toBe(true);
    expect(decodeMessage(ours).macHeader).toBeUndefined();
  });

  it('reports each of the four causes with its Response Code; failures as 0x8F89, success as 0x8F8A', () => {
    for (const [outcome, code] of Object.entries(FIRMWARE_TRANSFER_OUTCOMES)) {
      const alert = decodeAsn1(firmwareTransferAlert, ccs08Payload({ ...RTDS_EVENT, outcome: outcome as FirmwareTransferEvent['outcome'] }));
      expect(alert.responseCode).toBe(code);
      expect(alert.alertCode).toBe(outcome === 'transferSucceeded' ? 0x8f8a : 0x8f89);
      expect(alert.entityId).toBe(RTDS_EVENT.target);
    }
  });

  it('raises one signed alert per transfer the firmware layer reports, and none for a malformed event', () => {
    const raised: AlertRequest[] = [];
    const errors: unknown[] = [];
    const firmware = new EventEmitter<FirmwareTransferEvents>();
    const stop = watchFirmwareTransfers(firmware, RTDS_IDENTITY, { raise: (alert) => raised.push(alert) }, (error) => errors.push(error));
    firmware.emit('transferEnded', { ...RTDS_EVENT, outcome: 'hardwareVersionMismatch' });
    firmware.emit('transferEnded', { ...RTDS_EVENT, outcome: 'nope' as never });
    firmware.emit('transferEnded', { ...RTDS_EVENT, target: '00db1234567890a4' });
    firmware.emit('transferEnded', { ...RTDS_EVENT, firmwareVersion: '0123abcd' as never });
    stop();
    firmware.emit('transferEnded', RTDS_EVENT);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ originator: RTDS_IDENTITY.chf, messageCode: 0x0128, signed: true });
    expect(decodeAsn1(firmwareTransferAlert, raised[0]!.payload(1n)).responseCode).toBe(2);
    expect(errors.map((error) => (error as { where?: string }).where)).toEqual(['event.outcome', 'event.target', 'event.firmwareVersion']);
  });
});
