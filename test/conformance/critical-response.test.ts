import { createPublicKey, verify } from 'node:crypto';
import { afterEach, beforeAll, expect, it } from 'vitest';
import type { Eui64 } from '../../hal/radio.js';
import { ECS26N } from '../../src/chf/use-cases/ecs26n-read-identity.js';
import { GbcsAuthenticator, decodeMessage, encodeMessage, isSigned, messageCodeEntry, signedPart } from '../../src/gbcs/index.js';
import { loadRtdsKeystore, type RtdsKeystore } from '../../src/security/rtds-secure-element.js';
import { describeRtds, loadVectors, RTDS_KEYSTORE } from '../helpers/rtds.js';
import { BY_SUPPLIER, buildCommand, ConformanceHub, expectSignedResponse, RTDS_IDENTITY, RTDS_SUPPLIER } from './harness.js';

/**
 * The answer to a critical command is the grouping header, the payload and the answering
 * Device's signature, with no MAC header and no MAC (the RTDS responses to CS06 and CS02b start
 * DF, not DD). The hub's own answers can only be checked up to the signature: ECDSA is randomised
 * and the RTDS holds no Device private key, so the hub signs with a key of its own and the
 * signature is checked against that key's public half.
 */
const SIGNATURE = 64;
// Its certificate's OU is 06, GBCS's wanProvider code (the shared RTDS notes call -04 the WAN provider: the certificates do not).
const WAN_PROVIDER: Eui64 = '90B3D51F30000007';

/** CS02b with its replacement mode, sequence number 1 and no replacement: answered, nothing replaced. */
function noReplacement(code: number): Buffer {
  const int = (n: number) => Buffer.from([0x02, 0x01, n]);
  const seq = (...parts: Buffer[]) => Buffer.concat([Buffer.from([0x30, Buffer.concat(parts).length]), ...parts]);
  return seq(seq(int(code - 0x0100), Buffer.from('830101', 'hex')), seq(), seq());
}

const criticalResponses = () =>
  loadVectors().filter((vector) => {
    if (vector.kind !== 'RESPONSE') return false;
    return messageCodeEntry(decodeMessage(vector.bytes).header.messageCode)?.critical === true;
  });

let harness: ConformanceHub | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describeRtds('RTDS conformance: responses to critical commands are signed, not MACed', () => {
  let keystore: RtdsKeystore;
  beforeAll(async () => {
    // Its own copy: the Devices here sign with keys generated for this file only.
    keystore = await loadRtdsKeystore(RTDS_KEYSTORE);
  });

  it('lays the RTDS critical responses out as the hub\'s signed encoder does, byte for byte up to the signature', async () => {
    const vectors = criticalResponses();
    expect(vectors.length).toBeGreaterThanOrEqual(4);
    const authenticator = new GbcsAuthenticator({ secureElement: keystore.secureElement, credentials: keystore.trustStore });
    for (const vector of vectors) {
      const message = decodeMessage(vector.bytes);
      expect(message.macHeader, vector.name).toBeUndefined();
      expect(message.mac, vector.name).toBeUndefined();
      expect(isSigned(message), vector.name).toBe(true);
      const { header, payload, signature } = message;
      expect(encodeMessage({ header, payload, signature }).toString('hex'), vector.name).toBe(vector.bytes.toString('hex'));
      // The Device's own signature verifies with its certificate over what the encoder signs.
      const certificate = keystore.trustStore.forEui(header.originator, 'digitalSigning')!;
      const key = createPublicKey({ key: certificate.publicKeyDer, format: 'der', type: 'spki' });
      expect(verify('sha256', signedPart(message), { key, dsaEncoding: 'ieee-p1363' }, signature as Buffer), vector.name).toBe(true);

      const testKey = await keystore.secureElement.generateKeyPair(header.originator, 'digitalSigning');
      const ours = await authenticator.signed({ header, payload });
      expect(ours.subarray(0, -SIGNATURE).toString('hex'), vector.name).toBe(vector.bytes.subarray(0, -SIGNATURE).toString('hex'));
      const spki = createPublicKey({ key: testKey, format: 'der', type: 'spki' });
      expect(verify('sha256', signedPart(message), { key: spki, dsaEncoding: 'ieee-p1363' }, ours.subarray(-SIGNATURE)), vector.name).toBe(true);
    }
  });

  it('gives a signing key only to a Device the keystore holds none for, once, and leaves the remote parties\' own', async () => {
    const fresh = await loadRtdsKeystore(RTDS_KEYSTORE);
    const element = fresh.secureElement;
    await expect(element.sign(RTDS_IDENTITY.gpf, 'digitalSigning', Buffer.from('x'))).rejects.toMatchObject({ code: 'NO_PRIVATE_KEY' });
    expect(await element.generateMissingSigningKeys([RTDS_IDENTITY.gpf, RTDS_SUPPLIER, RTDS_IDENTITY.gpf])).toEqual([RTDS_IDENTITY.gpf]);
    const gpfKey = await element.publicKey(RTDS_IDENTITY.gpf, 'digitalSigning');
    expect(await element.generateMissingSigningKeys([RTDS_IDENTITY.gpf])).toEqual([]);
    expect((await element.publicKey(RTDS_IDENTITY.gpf, 'digitalSigning')).equals(gpfKey)).toBe(true);
    const data = Buffer.from('signed part');
    const verifies = (der: Buffer, signature: Buffer) => verify('sha256', data, { key: createPublicKey({ key: der, format: 'der', type: 'spki' }), dsaEncoding: 'ieee-p1363' }, signature);
    expect(verifies(gpfKey, await element.sign(RTDS_IDENTITY.gpf, 'digitalSigning', data))).toBe(true);
    const supplierCertificate = fresh.trustStore.forEui(RTDS_SUPPLIER, 'digitalSigning')!;
    expect(verifies(supplierCertificate.publicKeyDer, await element.sign(RTDS_SUPPLIER, 'digitalSigning', data))).toBe(true);
  });

  it('answers a supplier\'s CS02b signed by the CHF with no MAC, and a non-critical command MACed as before', async () => {
    harness = await ConformanceHub.open();
    const outcome = await harness.process(await buildCommand(harness, { messageCode: 0x0102, payload: noReplacement(0x0102), counter: 10n, sign: true, ...BY_SUPPLIER }));
    const response = await expectSignedResponse(outcome);
    expect(response.header).toMatchObject({ cra: 'response', originatorCounter: 10n, originator: RTDS_IDENTITY.chf, recipient: RTDS_SUPPLIER, messageCode: 0x0102 });
    // The hub's time, in the form every RTDS CS02b response has it (deviation and clock status not specified).
    expect(response.header.dateTime?.toString('hex')).toBe('07df0101ff000000008000ff');
    harness.clock.set(Date.UTC(2016, 5, 30, 12, 34, 56));
    const later = await expectSignedResponse(await harness.process(await buildCommand(harness, { messageCode: 0x0102, payload: noReplacement(0x0102), counter: 12n, sign: true, ...BY_SUPPLIER })));
    expect(later.header.dateTime?.toString('hex')).toBe('07e0061eff0c223800' + '8000ff');
    // The response's SEQUENCE opens with the NULL that says the update was accepted.
    expect(response.payload.subarray(2, 4).toString('hex')).toBe('0500');

    // ECS26n, read the identity: not critical, so MACed for the supplier's Key Agreement key.
    const identity = ECS26N.encodeCommand({ invokeId: 3, parameters: { manufacturerId: undefined, modelType: undefined } });
    const read = await harness.process(await buildCommand(harness, { messageCode: 0x00fa, payload: identity, counter: 11n }));
    if (read.kind !== 'answered') throw new Error(`ECS26n: ${read.kind}`);
    const maced = decodeMessage(read.response);
    expect(maced.macHeader).toBeDefined();
    expect(maced.signature).toBe('empty');
    await expect(harness.hub.authenticator.verifyMac(maced)).resolves.toBeUndefined();
  });

  it('answers a critical command from a party it holds no Key Agreement certificate for', async () => {
    harness = await ConformanceHub.open();
    expect(harness.hub.credentials.forEui(WAN_PROVIDER, 'keyAgreement')).toBeUndefined();
    expect(harness.hub.credentials.roleOf(WAN_PROVIDER)).toBe('wanProvider');
    const outcome = await harness.process(await buildCommand(harness, { messageCode: 0x0105, payload: noReplacement(0x0105), counter: 20n, sign: true, originator: WAN_PROVIDER, remoteParty: null }));
    const response = await expectSignedResponse(outcome);
    expect(response.header).toMatchObject({ originator: RTDS_IDENTITY.chf, recipient: WAN_PROVIDER, originatorCounter: 20n });
    expect(harness.hub.counters.lastAccepted(WAN_PROVIDER)).toBe(20n);
  });

  it('signs with the key it holds, so a signature from any other key does not verify', async () => {
    harness = await ConformanceHub.open();
    const outcome = await harness.process(await buildCommand(harness, { messageCode: 0x0102, payload: noReplacement(0x0102), counter: 30n, sign: true, ...BY_SUPPLIER }));
    if (outcome.kind !== 'answered') throw new Error(outcome.kind);
    const forged = Buffer.from(outcome.response);
    forged[forged.length - 1]! ^= 0x01;
    await expect(expectSignedResponse({ ...outcome, response: forged })).rejects.toThrow(/signature/);
    // The RTDS certificate of the CHF is not the key the harness signs with: it must not verify either.
    const certificate = harness.hub.credentials.forEui(RTDS_IDENTITY.chf, 'digitalSigning')!;
    const message = decodeMessage(outcome.response);
    const key = createPublicKey({ key: certificate.publicKeyDer, format: 'der', type: 'spki' });
    expect(verify('sha256', signedPart(message), { key, dsaEncoding: 'ieee-p1363' }, message.signature as Buffer)).toBe(false);
  });
});
