import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { decodeMessage } from '../../../src/gbcs/index.js';
import { decodeDer, encodeDer } from '../../../src/gbcs/payload/asn1/index.js';
import { OriginatorCounters } from '../../../src/security/replay.js';
import { CHF_STATES } from '../../conformance/chf-seeds.js';
import { BY_SUPPLIER, buildCommand, ConformanceHub, expectSignedResponse, RTDS_ACB } from '../../conformance/harness.js';
import { describeRtds, RTDS_KEYSTORE } from '../../helpers/rtds.js';

/**
 * Commands that arrive together: admitted while the one before waits for its counter to reach
 * the disk, executed one at a time in arrival order, each answered only once its counter is durable.
 */
const CCS06_PAYLOAD = Buffer.from('d920000514000101006800001e0300ff040100', 'hex');
let harness: ConformanceHub | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describeRtds('a burst of commands', () => {
  it('answers every one in arrival order, refuses a repeated counter within the burst once, and leaves the last counter on disk', async () => {
    harness = await ConformanceHub.open({ seed: CHF_STATES['CCS06_SUCCESS']!.seed });
    const counters = [101n, 102n, 103n, 103n, 104n, 105n, 106n, 107n];
    const commands = await Promise.all(counters.map((counter) => buildCommand(harness!, { messageCode: 0x010f, payload: CCS06_PAYLOAD, counter })));
    const outcomes = await Promise.all(commands.map((bytes) => harness!.process(bytes)));
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['answered', 'answered', 'answered', 'dropped', 'answered', 'answered', 'answered', 'answered']);
    const answeredCounters = outcomes.flatMap((outcome) => (outcome.kind === 'answered' ? [decodeMessage(outcome.response).header.originatorCounter] : []));
    expect(answeredCounters).toEqual([101n, 102n, 103n, 104n, 105n, 106n, 107n]);
    const reopened = await OriginatorCounters.open(harness.store);
    expect(reopened.lastAccepted(RTDS_ACB)).toBe(107n);
  });

  it('checks a command again when the one before it replaced the certificates it was admitted under', async () => {
    harness = await ConformanceHub.open({ seed: CHF_STATES['CCS06_SUCCESS']!.seed, trust: (c) => c.role !== 'supplier' || c.eui === '90B3D51F30010000' });
    const der = (name: string) => encodeDer(decodeDer(Buffer.from(readFileSync(join(RTDS_KEYSTORE, name), 'utf8').replace(/-----[^-]+-----|\s+/g, ''), 'base64')));
    const sequence = (...parts: Buffer[]) => {
      const content = Buffer.concat(parts);
      return Buffer.concat([Buffer.from([0x30, 0x82, content.length >> 8, content.length & 0xff]), content]);
    };
    // supplierBySupplier, sequence number 1: both of the supplier's cells now hold the other supplier's certificates.
    const update = sequence(
      // Mode 2, seq number [3] 1.
      Buffer.from('3006020102830101', 'hex'),
      sequence(
        sequence(der('90b3d51f30030000-ds.pem'), Buffer.from('300702010203020780', 'hex')),
        sequence(der('90b3d51f30030000-ka.pem'), Buffer.from('300702010203020308', 'hex')),
      ),
      Buffer.from('3000', 'hex'),
    );
    const burst = [
      await buildCommand(harness, { messageCode: 0x0102, payload: update, counter: 200n, sign: true, ...BY_SUPPLIER }),
      await buildCommand(harness, { messageCode: 0x010f, payload: CCS06_PAYLOAD, counter: 201n }),
    ];
    const [first, second] = await Promise.all(burst.map((bytes) => harness!.process(bytes)));
    // Answered, though it replaced its sender's Key Agreement certificate: the answer is signed, not MACed for it.
    expect((await expectSignedResponse(first!)).header.recipient).toBe('90B3D51F30010000');
    expect(harness.hub.credentials.roleOf('90B3D51F30010000')).toBeUndefined();
    // Admitted while its supplier was still trusted; refused when its turn came.
    expect(second?.kind === 'dropped' && second.refusal.code).toBe('UNKNOWN_PARTY');
  });
});
