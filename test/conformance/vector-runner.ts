import { expect } from 'vitest';
import type { Eui64 } from '../../hal/radio.js';
import { decodeMessage, encodeMessage, messageCodeEntry } from '../../src/gbcs/index.js';
import { ALL_HANDLERS } from '../../src/hub/handlers.js';
import type { Vector } from '../helpers/rtds.js';
import { CHF_STATES, LINK_KEYS, PLACEHOLDER_HASHES } from './chf-seeds.js';
import { GPF_STATES } from './gpf-seeds.js';
import { ConformanceHub, expectAnswer, expectSignedResponse, RTDS_IDENTITY, withSeededHashes, type HarnessOptions } from './harness.js';

/**
 * One RTDS COMMAND vector to the CHF or GPF, run through a hub in the state the vector implies and
 * answered as its RESPONSE vector, byte for byte: but for the hashes of TC link keys where the RTDS
 * has placeholders no key hashes to, and the signature of an answer to a critical command (ECDSA is
 * randomised and the RTDS holds no key of the hub's; the signature is checked with the harness's).
 * Every way the hub may not be able to do that fails with the vector's name: an unknown Message
 * Code, no handler, no state written down for it.
 */
const hex4 = (code: number) => `0x${code.toString(16).padStart(4, '0').toUpperCase()}`;

/** The state a vector implies, by `<use case>_<outcome>`; undefined where none is written down. */
export function stateOf(command: Vector, recipient: Eui64): HarnessOptions | undefined {
  return (recipient === RTDS_IDENTITY.chf ? CHF_STATES : GPF_STATES)[`${command.useCase}_${command.outcome}`];
}

/** The alerts a command to the GPF causes, by use case: a restore that changes the GPF Device Log is backed up (GCS62). */
const GPF_ALERTS: Readonly<Record<string, ReadonlyArray<[Eui64, number]>>> = { GCS59: [[RTDS_IDENTITY.gpf, 0x00b2]] };

export async function runVector(command: Vector, response: Vector | undefined): Promise<void> {
  if (!response) throw new Error(`${command.name}: the RTDS holds no RESPONSE of outcome ${command.outcome}`);
  const { header } = decodeMessage(command.bytes, { allowUnknownMessageCode: true });
  const entry = messageCodeEntry(header.messageCode);
  if (!entry) throw new Error(`${command.name}: message code ${hex4(header.messageCode)} is not in the hub's message-code table`);
  const device = header.recipient === RTDS_IDENTITY.chf ? 'CHF' : 'GPF';
  const handler = ALL_HANDLERS.find((candidate) => candidate.device === device && candidate.messageCodes.includes(header.messageCode));
  if (!handler) throw new Error(`${command.name}: the ${device} has no handler for ${entry.useCase} (${hex4(header.messageCode)})`);
  const state = stateOf(command, header.recipient);
  if (!state) throw new Error(`${command.name}: no state written down for ${command.useCase}_${command.outcome} (chf-seeds.ts, gpf-seeds.ts)`);
  const harness = await ConformanceHub.open(state);
  try {
    const outcome = await harness.process(command.bytes);
    if (entry.signedResponse) {
      const answer = await expectSignedResponse(outcome);
      const unsigned = (message: ReturnType<typeof decodeMessage>) => encodeMessage({ header: message.header, payload: message.payload, signature: 'empty' }).toString('hex');
      expect(unsigned(answer)).toBe(unsigned(decodeMessage(response.bytes)));
    } else {
      const key = `${command.useCase}_${command.outcome}`;
      expectAnswer(outcome, PLACEHOLDER_HASHES.has(key) ? await withSeededHashes(harness, response, LINK_KEYS) : response.bytes);
    }
    if (device === 'GPF' && outcome.kind === 'answered') {
      const alerts = outcome.alerts.map((alert) => decodeMessage(alert.bytes).header);
      expect(alerts.map((alert) => [alert.originator, alert.messageCode])).toEqual(GPF_ALERTS[command.useCase] ?? []);
    }
  } finally {
    await harness.close();
  }
}
