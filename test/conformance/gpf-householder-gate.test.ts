import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Eui64 } from '../../hal/radio.js';
import { decodeMessage } from '../../src/gbcs/index.js';
import { decodeGbz, type GbzPayload } from '../../src/gbcs/payload/gbz/index.js';
import type { GasProxyData } from '../../src/gpf/index.js';
import type { Outcome } from '../../src/hub/router.js';
import { describeRtds } from '../helpers/rtds.js';
import { buildCommand, ConformanceHub, RTDS_ACB, RTDS_IDENTITY, RTDS_SUPPLIER } from './harness.js';
import { MATRIX_COMMANDS, MATRIX_DOMAINS, MatrixState, type MatrixCommand } from './role-matrix-commands.js';

/**
 * The householder's views over the WAN, through the whole GBCS pipeline: every GPF read, sent by an
 * Other User (acting for the householder) and by a supplier. Whatever the role policy lets the Other
 * User read must show no data while Restrict Data is set or when everything predates the change of
 * tenancy; the supplier's answers carry data throughout.
 */
const OTHER_USER: Eui64 = '90B3D51F30010008';
/** The GPF use cases that read the gas data: the rows with no effect but an answer. */
const READS = new Set(['GCS13a', 'GCS13b', 'GCS13c', 'GCS14', 'GCS16b', 'GCS60', 'GCS61']);
const ROWS: readonly MatrixCommand[] = MATRIX_COMMANDS.filter((command) => command.device === 'GPF' && READS.has(command.useCase));
/** The matrix state's data is dated up to 1 January 2015. */
const AFTER_ALL_DATA = Date.UTC(2015, 0, 2);
const BEFORE_ALL_DATA = Date.UTC(2014, 0, 1);

let harness: ConformanceHub;
let data: GasProxyData;
let counter = 0x20000n;

async function send(command: MatrixCommand, party: Eui64): Promise<Outcome> {
  counter += 1n;
  const bytes = await buildCommand(harness, { messageCode: command.messageCode, payload: command.payload(), counter, recipient: RTDS_IDENTITY.gpf, originator: RTDS_ACB, remoteParty: party });
  return harness.process(bytes);
}

/** ZCL NOT_FOUND: how a GPF read says it has nothing this party may see. */
const NOT_FOUND = 0x8b;

/** 'refused' by the role policy, 'nothing' when every component is a NOT_FOUND default response, else 'data'. */
async function seen(command: MatrixCommand, party: Eui64): Promise<'refused' | 'data' | 'nothing'> {
  const outcome = await send(command, party);
  if (outcome.kind === 'dropped' && outcome.refusal.code === 'ROLE_NOT_ALLOWED') return 'refused';
  if (outcome.kind !== 'answered') throw new Error(`${command.useCase}: ${outcome.kind}`);
  const payload = decodeGbz(decodeMessage(outcome.response).payload, { alert: false }) as Extract<GbzPayload, { gbz: 'components' }>;
  const notFound = payload.components.every(({ body }) => body.kind === 'default-response' && body.status === NOT_FOUND);
  return notFound ? 'nothing' : 'data';
}

async function views(party: Eui64): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const command of ROWS) out[command.useCase] = await seen(command, party);
  return out;
}

describeRtds('GPF reads over the WAN for the householder', () => {
  beforeAll(async () => {
    const state = new MatrixState();
    harness = await ConformanceHub.open({
      han: 'radio',
      domains: MATRIX_DOMAINS,
      extras: async (store, clock) => {
        const parts = await state.extras(store, clock);
        data = parts.gpf!.data;
        return parts;
      },
    });
    state.attach(harness);
  });
  afterAll(async () => harness?.close());

  it('show an Other User nothing while Restrict Data is set or before the change of tenancy, and a supplier everything', async () => {
    expect(ROWS.map((row) => row.useCase).sort()).toEqual([...READS].sort());
    expect(harness.hub.credentials.roleOf(OTHER_USER)).toBe('otherUser');
    const supplier = Object.fromEntries(ROWS.map((row) => [row.useCase, 'data']));

    const open = await views(OTHER_USER);
    const reachable = Object.keys(open).filter((useCase) => open[useCase] !== 'refused');
    // Service 4.17 (the daily consumption log) is the Other User's; the rest are refused by role.
    expect(reachable).toContain('GCS61');
    for (const useCase of reachable) expect(open[useCase], useCase).toBe('data');
    expect(await views(RTDS_SUPPLIER)).toEqual(supplier);

    const nothing = { ...open, ...Object.fromEntries(reachable.map((useCase) => [useCase, 'nothing'])) };
    await data.setRestrictData(true);
    expect(await views(OTHER_USER)).toEqual(nothing);
    expect(await views(RTDS_SUPPLIER)).toEqual(supplier);

    await data.setRestrictData(false);
    await data.setChangeOfTenancy(AFTER_ALL_DATA);
    expect(await views(OTHER_USER)).toEqual(nothing);
    expect(await views(RTDS_SUPPLIER)).toEqual(supplier);

    await data.setChangeOfTenancy(BEFORE_ALL_DATA);
    expect(await views(OTHER_USER)).toEqual(open);
  }, 30_000);
});
