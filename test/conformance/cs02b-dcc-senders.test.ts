import { createPublicKey, verify } from 'node:crypto';
import { afterEach, beforeAll, expect, it } from 'vitest';
import type { Eui64 } from '../../hal/radio.js';
import { decodeMessage, encodeMessage, isSigned, signedPart } from '../../src/gbcs/index.js';
import { loadRtdsKeystore, type RtdsKeystore } from '../../src/security/rtds-secure-element.js';
import { subjectKeyIdentifier } from '../../src/security/credentials.js';
import { decideRole } from '../../src/security/role-policy.js';
import { describeRtds, itWithVectors, RTDS_KEYSTORE, vectorBytes } from '../helpers/rtds.js';
import { buildCommand, ConformanceHub, expectSignedResponse, RTDS_IDENTITY } from './harness.js';

/**
 * The DCC parties behind the CS02b codes they alone may send, as the RTDS has them: the WAN
 * provider's wanProviderByWanProvider (0x0105) is originated by 90B3D51F30000007, whose certificate
 * has OU 06, and the transitional CoS's supplierByTransCoS (0x0107) by 90B3D51F30000004, OU 05: the
 * OU is GBCS's RemotePartyRole code. (The shared RTDS notes name these two the other way round.)
 * Where the RTDS command vectors are at hand they are checked too; the shared subset lacks them, so
 * the same commands are also built and sent through the hub.
 */
const WAN_PROVIDER: Eui64 = '90B3D51F30000007';
const TRANSITIONAL_COS: Eui64 = '90B3D51F30000004';

const SENDERS = [
  { messageCode: 0x0105, originator: WAN_PROVIDER, role: 'wanProvider', other: TRANSITIONAL_COS, vector: 'CS02bWPByWP_NA_SUCCESS_COMMAND_GBCS.HEX' },
  { messageCode: 0x0107, originator: TRANSITIONAL_COS, role: 'transitionalCoS', other: WAN_PROVIDER, vector: 'CS02bSupplierByTransCoS_6.23_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX' },
] as const;

/** CS02b with its replacement mode, a sequence number and no replacement: answered, nothing replaced. */
function noReplacement(code: number, seq: number): Buffer {
  const int = (n: number) => Buffer.from([0x02, 0x01, n]);
  const sequence = (...parts: Buffer[]) => Buffer.concat([Buffer.from([0x30, Buffer.concat(parts).length]), ...parts]);
  return sequence(sequence(int(code - 0x0100), Buffer.from([0x83, 0x01, seq])), sequence(), sequence());
}

let harness: ConformanceHub | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describeRtds('RTDS conformance: the WAN provider and the transitional CoS send their own CS02b codes', () => {
  let keystore: RtdsKeystore;
  beforeAll(async () => {
    keystore = await loadRtdsKeystore(RTDS_KEYSTORE);
  });

  for (const sender of SENDERS) {
    const code = `0x${sender.messageCode.toString(16).padStart(4, '0')}`;

    it(`answers CS02b ${code} built as the ${sender.role}, and refuses it from the other DCC party with nothing taken`, async () => {
      harness = await ConformanceHub.open();
      expect(harness.hub.credentials.roleOf(sender.originator)).toBe(sender.role);
      const send = (originator: Eui64, counter: bigint) =>
        buildCommand(harness!, { messageCode: sender.messageCode, payload: noReplacement(sender.messageCode, Number(counter)), counter, sign: true, originator, remoteParty: null });

      const refused = await harness.process(await send(sender.other, 40n));
      expect(refused.kind === 'dropped' ? refused.refusal.code : refused.kind).toBe('ROLE_NOT_ALLOWED');
      expect(harness.hub.counters.lastAccepted(sender.other)).toBeUndefined();

      const response = await expectSignedResponse(await harness.process(await send(sender.originator, 41n)));
      expect(response.header).toMatchObject({ originator: RTDS_IDENTITY.chf, recipient: sender.originator, messageCode: sender.messageCode });
      expect(harness.hub.counters.lastAccepted(sender.originator)).toBe(41n);
    });

    const vector = vectorBytes(sender.vector);
    itWithVectors(sender.vector)(`reads the RTDS ${sender.vector} as signed by the ${sender.role}, whom the role policy lets send ${code}`, () => {
      const message = decodeMessage(vector!);
      expect(message.header).toMatchObject({ messageCode: sender.messageCode, originator: sender.originator });
      if (!isSigned(message)) throw new Error(`${sender.vector} is not signed`);
      const certificate = keystore.trustStore.forEui(sender.originator, 'digitalSigning')!;
      expect(certificate.role).toBe(sender.role);
      const key = createPublicKey({ key: certificate.publicKeyDer, format: 'der', type: 'spki' });
      expect(verify('sha256', signedPart(message), { key, dsaEncoding: 'ieee-p1363' }, message.signature)).toBe(true);
      const decide = (eui: Eui64) =>
        decideRole({
          useCase: 'CS02b',
          messageCode: sender.messageCode,
          recipient: 'CHF',
          party: { eui, role: keystore.trustStore.forEui(eui, 'digitalSigning')!.role! },
          supply: {},
          gpf: RTDS_IDENTITY.gpf,
          deviceLogHolds: () => false,
        });
      expect(decide(sender.originator)).toMatchObject({ allowed: true });
      expect(decide(sender.other)).toMatchObject({ allowed: false, rule: 'table' });
    });
  }

  const wanProviderCommand = vectorBytes('CS02bWPByWP_NA_SUCCESS_COMMAND_GBCS.HEX');
  const wanProviderResponse = vectorBytes('CS02bWPByWP_NA_SUCCESS_RESPONSE_GBCS.HEX');
  itWithVectors('CS02bWPByWP_NA_SUCCESS_COMMAND_GBCS.HEX', 'CS02bWPByWP_NA_SUCCESS_RESPONSE_GBCS.HEX')('carries out the RTDS wanProviderByWanProvider on the CHF and answers it as the RTDS CHF does, byte for byte up to the signature', async () => {
    harness = await ConformanceHub.open();
    const response = await expectSignedResponse(await harness.process(wanProviderCommand!));
    expect(encodeMessage({ header: response.header, payload: response.payload, signature: 'empty' }).toString('hex')).toBe(
      encodeMessage({ ...decodeMessage(wanProviderResponse!), signature: 'empty' }).toString('hex'),
    );
    // The command sets the WAN provider's floor to 0 ([4]) rather than its seq number 8000, and the execution record says so.
    expect(harness.hub.credentials.sequenceNumber('wanProvider')).toBe(0);
    const replaced = harness.hub.credentials.forEui(WAN_PROVIDER, 'digitalSigning')!;
    expect([replaced.role, subjectKeyIdentifier(replaced.der)?.toString('hex')]).toEqual(['wanProvider', '43cf62e6b35e4986']);
  });
});
