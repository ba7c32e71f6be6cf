import fc from 'fast-check';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { decodeMessage } from '../../src/gbcs/index.js';
import { HUB_EVENTS } from '../../src/logs/event-codes.js';
import type { Outcome } from '../../src/hub/router.js';
import type { RefusalReason } from '../../src/hub/refusal.js';
import { describeRtds, rtdsPresent } from '../helpers/rtds.js';
import { CHF_STATES } from './chf-seeds.js';
import { buildCommand, commandPairs, ConformanceHub, RTDS_IDENTITY, RTDS_NETWORK_OPERATOR, vectorNamed, type StoreSnapshot } from './harness.js';
import { expectEveryMutationRefused } from './vector-mutations.js';

const CCS06_COMMAND = () => vectorNamed('CCS06_8.9_SUCCESS_COMMAND_GBCS.HEX').bytes;
const CCS06_PAYLOAD = Buffer.from('d920000514000101006800001e0300ff040100', 'hex');

describeRtds('bad input to the CHF: refused as GBCS says, logged, and nothing else changes', () => {
  let harness: ConformanceHub;
  let before: StoreSnapshot;

  beforeEach(async () => {
    harness = await ConformanceHub.open({ seed: CHF_STATES['CCS06_SUCCESS']!.seed });
    before = await harness.snapshot();
  });
  afterEach(async () => harness.close());

  async function expectDropped(outcome: Outcome, reason: RefusalReason, securityCode: number | undefined): Promise<void> {
    expect(outcome.kind).toBe('dropped');
    if (outcome.kind !== 'dropped') return;
    expect(outcome.refusal.code).toBe(reason);
    expect(outcome.alerts).toEqual([]);
    expect(await harness.snapshot()).toEqual(before);
    expect(await harness.securityLogCodes()).toEqual(securityCode === undefined ? [] : [securityCode]);
  }

  it('a truncated message', async () => {
    await expectDropped(await harness.process(CCS06_COMMAND().subarray(0, 40)), 'MALFORMED', HUB_EVENTS.commandIntegrityFailed.code);
  });

  it('a message whose content length claims more bytes than there are', async () => {
    const lying = Buffer.from(CCS06_COMMAND());
    // The ciphered content length (after the five empty MAC header fields and key info).
    lying[7] = lying[7]! + 4;
    await expectDropped(await harness.process(lying), 'MALFORMED', HUB_EVENTS.commandIntegrityFailed.code);
  });

  it('a grouping-header length that lies inside a well-framed envelope fails the MAC', async () => {
    const lying = Buffer.from(CCS06_COMMAND());
    const payloadLength = lying.length - 12 - 1 - CCS06_PAYLOAD.length - 1;
    expect(lying[payloadLength]).toBe(CCS06_PAYLOAD.length);
    lying[payloadLength] = CCS06_PAYLOAD.length - 1;
    const outcome = await harness.process(lying);
    expect(outcome.kind).toBe('dropped');
    expect(await harness.snapshot()).toEqual(before);
  });

  it('an unknown message code, authentic otherwise', async () => {
    const bytes = await buildCommand(harness, { messageCode: 0x7777, payload: CCS06_PAYLOAD, counter: 2000n });
    await expectDropped(await harness.process(bytes), 'UNKNOWN_MESSAGE_CODE', HUB_EVENTS.commandIntegrityFailed.code);
  });

  it('an alert code sent as a command', async () => {
    const bytes = await buildCommand(harness, { messageCode: 0x0018, payload: CCS06_PAYLOAD, counter: 2000n });
    await expectDropped(await harness.process(bytes), 'UNKNOWN_MESSAGE_CODE', HUB_EVENTS.commandIntegrityFailed.code);
  });

  it('a recipient that is neither this hub nor a Device in its log', async () => {
    const bytes = await buildCommand(harness, { messageCode: 0x010f, payload: CCS06_PAYLOAD, counter: 2000n, recipient: '00DB1234567890A7' });
    await expectDropped(await harness.process(bytes), 'UNKNOWN_RECIPIENT', HUB_EVENTS.unauthorisedCommunicationAccess.code);
  });

  it('a CHF use case addressed to the GPF', async () => {
    const bytes = await buildCommand(harness, { messageCode: 0x010f, payload: CCS06_PAYLOAD, counter: 2000n, recipient: '00DB1234567890A3' });
    // The GPF's MAC key differs from the CHF's: the RTDS keystore holds the GPF's certificate, so this authenticates.
    await expectDropped(await harness.process(bytes), 'WRONG_DEVICE', HUB_EVENTS.commandIntegrityFailed.code);
  });

  it('a wrong MAC', async () => {
    const tampered = Buffer.from(CCS06_COMMAND());
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 0x01;
    await expectDropped(await harness.process(tampered), 'MAC_INVALID', HUB_EVENTS.trustedSourceAuthenticationFailure.code);
  });

  it('a payload changed after MACing', async () => {
    const tampered = Buffer.from(CCS06_COMMAND());
    tampered[tampered.length - 14] = tampered[tampered.length - 14]! ^ 0x01;
    await expectDropped(await harness.process(tampered), 'MAC_INVALID', HUB_EVENTS.trustedSourceAuthenticationFailure.code);
  });

  it('a critical command with a signature that does not verify', async () => {
    const signed = await buildCommand(harness, { messageCode: 0x0102, payload: Buffer.from('3000', 'hex'), counter: 2000n, sign: true });
    const decodedSignatureAt = signed.length - 12 - 64;
    // Re-seal with a damaged signature so only the signature is wrong, not the MAC.
    const message = decodeMessage(signed);
    const badSignature = Buffer.from(signed.subarray(decodedSignatureAt, decodedSignatureAt + 64));
    badSignature[5] = badSignature[5]! ^ 0xff;
    const bytes = await harness.hub.authenticator.seal({ header: message.header, payload: message.payload, signature: badSignature });
    await expectDropped(await harness.process(bytes), 'SIGNATURE_INVALID', HUB_EVENTS.trustedSourceAuthenticationFailure.code);
  });

  it('a critical command without a signature', async () => {
    const bytes = await buildCommand(harness, { messageCode: 0x0102, payload: Buffer.from('3000', 'hex'), counter: 2000n });
    await expectDropped(await harness.process(bytes), 'SIGNATURE_MISSING', HUB_EVENTS.trustedSourceAuthenticationFailure.code);
  });

  it('a replayed command, and one with a stale counter, after the first was answered', async () => {
    expect((await harness.process(CCS06_COMMAND())).kind).toBe('answered');
    before = await harness.snapshot();
    await expectDropped(await harness.process(CCS06_COMMAND()), 'REPLAYED', HUB_EVENTS.replayDetected.code);
    const stale = await buildCommand(harness, { messageCode: 0x010f, payload: CCS06_PAYLOAD, counter: 1299n });
    const outcome = await harness.process(stale);
    expect(outcome.kind === 'dropped' && outcome.refusal.code).toBe('REPLAYED');
    expect(await harness.snapshot()).toEqual(before);
    expect(await harness.securityLogCodes()).toEqual([HUB_EVENTS.replayDetected.code, HUB_EVENTS.replayDetected.code]);
  });

  it('a command for a party whose certificate role may not invoke the use case', async () => {
    const bytes = await buildCommand(harness, { messageCode: 0x010f, payload: CCS06_PAYLOAD, counter: 2000n, remoteParty: RTDS_NETWORK_OPERATOR });
    await expectDropped(await harness.process(bytes), 'ROLE_NOT_ALLOWED', HUB_EVENTS.sourceLacksAuthority.code);
  });

  it('a command for a party the hub holds no certificate for', async () => {
    const bytes = await buildCommand(harness, { messageCode: 0x010f, payload: CCS06_PAYLOAD, counter: 2000n, remoteParty: '90B3D51F300A0000' });
    await expectDropped(await harness.process(bytes), 'UNKNOWN_PARTY', HUB_EVENTS.sourceLacksAuthority.code);
  });

  it('an authentic command whose payload is not the use case\'s', async () => {
    const bytes = await buildCommand(harness, { messageCode: 0x010f, payload: Buffer.from('d9200005', 'hex'), counter: 2000n });
    await expectDropped(await harness.process(bytes), 'PAYLOAD_INVALID', HUB_EVENTS.commandIntegrityFailed.code);
  });

  it('a response sent to the hub as if it were a command', async () => {
    const response = vectorNamed('CCS06_8.9_SUCCESS_RESPONSE_GBCS.HEX').bytes;
    await expectDropped(await harness.process(response), 'NOT_A_COMMAND', HUB_EVENTS.unauthorisedCommunicationAccess.code);
  });

  it('the same command accepted once it carries a fresh counter', async () => {
    const bytes = await buildCommand(harness, { messageCode: 0x010f, payload: CCS06_PAYLOAD, counter: 2000n });
    expect((await harness.process(bytes)).kind).toBe('answered');
    expect(harness.hub.counters.lastAccepted('90B3D51F30000002')).toBe(2000n);
  });

  it('a flood of bad messages neither hides a replay nor pushes older evidence out of the Security Log: past 10 an hour, one entry says so', async () => {
    const tampered = Buffer.from(CCS06_COMMAND());
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 0x01;
    const replayed = await buildCommand(harness, { messageCode: 0x010f, payload: CCS06_PAYLOAD, counter: 3000n });
    expect((await harness.process(replayed)).kind).toBe('answered');
    for (let i = 0; i < 30; i++) expect((await harness.process(tampered)).kind).toBe('dropped');
    expect((await harness.process(replayed)).kind).toBe('dropped');
    let codes = await harness.securityLogCodes();
    expect(codes.filter((code) => code === HUB_EVENTS.trustedSourceAuthenticationFailure.code)).toHaveLength(10);
    expect(codes.filter((code) => code === HUB_EVENTS.unusualCommands.code)).toHaveLength(1);
    expect(codes.filter((code) => code === HUB_EVENTS.replayDetected.code)).toHaveLength(1);
    // Junk at 30 a minute for 50 minutes more adds nothing; the replay is still there to see.
    for (let minute = 0; minute < 50; minute++) {
      await harness.clock.advance(60_000);
      for (let i = 0; i < 30; i++) await harness.process(tampered);
    }
    codes = await harness.securityLogCodes();
    expect(codes).toHaveLength(12);
    expect(codes).toContain(HUB_EVENTS.replayDetected.code);
    await harness.clock.advance(3_600_000);
    await harness.process(tampered);
    expect(await harness.securityLogCodes()).toHaveLength(13);
  });

  it('drops every mutation of an authentic command and changes nothing (property)', async () => {
    const original = CCS06_COMMAND();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ at: fc.nat(original.length - 1), xor: fc.integer({ min: 1, max: 255 }) }).map(({ at, xor }) => {
            const copy = Buffer.from(original);
            copy[at] = copy[at]! ^ xor;
            return copy;
          }),
          fc.nat(original.length - 1).map((length) => original.subarray(0, length)),
          fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.concat([original, bytes.length ? Buffer.from(bytes) : Buffer.of(0)])),
          fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
        ),
        async (bytes) => {
          const outcome = await harness.process(bytes);
          expect(outcome.kind).toBe('dropped');
          expect(await harness.snapshot()).toEqual(before);
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** Every RTDS command to the CHF but the Sub GHz ones (dbch-bad-input.test.ts), whatever `$RTDS_DIR` holds. */
const chfCommands = rtdsPresent ? commandPairs(RTDS_IDENTITY.chf).filter(({ command }) => !command.useCase.startsWith('DBCH')) : [];

describeRtds('every RTDS command to the CHF, bit-flipped or cut short: refused, nothing changed, the counter not taken', () => {
  for (const { command } of chfCommands) {
    it(command.name, () => expectEveryMutationRefused(command));
  }
});
