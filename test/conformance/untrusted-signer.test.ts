import { afterEach, expect, it } from 'vitest';
import type { Credential } from '../../src/security/certificates.js';
import { HUB_EVENTS } from '../../src/logs/event-codes.js';
import { describeRtds } from '../helpers/rtds.js';
import { BY_SUPPLIER, buildCommand, ConformanceHub, RTDS_SUPPLIER } from './harness.js';

/** A supplier in the RTDS keystore that the hub has never been given a certificate for. */
const STRANGER = '90B3D51F30010008';
/** CS02b's first Message Code: critical, so it must carry its originator's signature. */
const CRITICAL_CODE = 0x0102;
const PAYLOAD = Buffer.from('3000', 'hex');

describeRtds('a signer the hub does not trust is refused, though the RTDS secure element could answer for its key', () => {
  let harness: ConformanceHub | undefined;
  afterEach(async () => harness?.close());

  async function expectRefused(trust: (credential: Credential) => boolean, originator: string): Promise<void> {
    harness = await ConformanceHub.open({ trust });
    const before = await harness.snapshot();
    const bytes = await buildCommand(harness, { messageCode: CRITICAL_CODE, payload: PAYLOAD, counter: 3000n, ...BY_SUPPLIER, originator, sign: true });
    const outcome = await harness.process(bytes);
    expect(outcome.kind).toBe('dropped');
    if (outcome.kind !== 'dropped') return;
    expect(outcome.refusal).toMatchObject({ code: 'NO_CREDENTIAL', where: originator });
    expect(await harness.snapshot()).toEqual(before);
    expect(await harness.securityLogCodes()).toEqual([HUB_EVENTS.failedAuthentication.code]);
  }

  it('a supplier whose Digital Signing certificate was removed', async () => {
    await expectRefused((c) => !(c.eui === RTDS_SUPPLIER && c.usage === 'digitalSigning'), RTDS_SUPPLIER);
  });

  it('a party never trusted at all', async () => {
    await expectRefused((c) => c.eui !== STRANGER, STRANGER);
  });

  it('the same command from the supplier with its certificate held gets past authentication', async () => {
    harness = await ConformanceHub.open();
    const bytes = await buildCommand(harness, { messageCode: CRITICAL_CODE, payload: PAYLOAD, counter: 3000n, ...BY_SUPPLIER, sign: true });
    const outcome = await harness.process(bytes);
    if (outcome.kind === 'dropped') expect(['NO_CREDENTIAL', 'SIGNATURE_INVALID', 'MAC_INVALID']).not.toContain(outcome.refusal.code);
    expect(await harness.securityLogCodes()).not.toContain(HUB_EVENTS.failedAuthentication.code);
  });
});
