import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Eui64 } from '../../hal/radio.js';
import { messageCodeEntry } from '../../src/gbcs/index.js';
import { REFUSAL_WINDOW_MS } from '../../src/hub/refusal-recorder.js';
import type { Outcome } from '../../src/hub/router.js';
import type { HubSeed } from '../../src/hub/seed.js';
import { HUB_EVENTS } from '../../src/logs/event-codes.js';
import type { RemotePartyRole } from '../../src/security/certificates.js';
import { TRUSTED_ROLES } from '../../src/security/credentials.js';
import { buildCommand, ConformanceHub, expectSignedResponse, RTDS_ACB, RTDS_IDENTITY, type StoreSnapshot } from './harness.js';
import { MATRIX_DOMAINS, MatrixState, type MatrixCommand } from './role-matrix-commands.js';

/**
 * Running a role matrix: one cell is one command of a row sent by one party, through the whole
 * GBCS pipeline. An allowed cell is answered and takes its counter; a refused one is dropped as
 * ROLE_NOT_ALLOWED with one "source does not have authority" Security Log entry, no alert, its
 * counter not taken and every state domain as it was. The expectations are the test files'.
 */
/** A remote party of the RTDS keystore and the role its certificate names. */
export interface Party {
  name: string;
  eui: Eui64;
  role: RemotePartyRole;
}
/** A party whose certificate the hub does not take as a trust anchor cannot be told apart by role at all. */
const trusted = (party: Party) => TRUSTED_ROLES.includes(party.role);

/**
 * Cells where the hub's policy and the test files' sources disagree and the sources do not settle
 * who is right: shown as skipped with the question, until it is decided.
 */
const OPEN_QUESTIONS: ReadonlyMap<string, string> = new Map();

const cellKey = (command: MatrixCommand, party: Party) => `${command.useCase}/${party.role}`;
export const hex4 = (code: number) => `0x${code.toString(16).padStart(4, '0')}`;
export const rowName = (command: MatrixCommand) => command.label ?? (command.useCase === 'CS02b' ? `CS02b ${hex4(command.messageCode)}` : command.useCase);

let counter = 0x10000n;

/** How the party's command travels: through the ACB on its behalf, or, when critical, originated and signed by itself. */
function routeOf(command: MatrixCommand, party: Party): { originator: Eui64; remoteParty: Eui64 | null; sign?: boolean } {
  if (command.critical) return { originator: party.eui, remoteParty: null, sign: true };
  return { originator: RTDS_ACB, remoteParty: party.eui === RTDS_ACB ? null : party.eui };
}

/**
 * A hub for a group of rows, with the snapshot of its state kept between refused cells: a refusal
 * changes nothing, so the state after one is the state before the next (an answered cell drops it).
 */
class MatrixHub {
  private known: StoreSnapshot | undefined;

  constructor(readonly harness: ConformanceHub) {}

  async snapshot(): Promise<StoreSnapshot> {
    this.known ??= await this.harness.snapshot();
    return this.known;
  }

  async prepare(command: MatrixCommand): Promise<void> {
    if (!command.prepare) return;
    await command.prepare(this.harness);
    this.known = undefined;
  }

  async send(command: MatrixCommand, party: Party): Promise<{ outcome: Outcome; counter: bigint }> {
    this.known = undefined;
    counter += 1n;
    const recipient = command.device === 'CHF' ? RTDS_IDENTITY.chf : RTDS_IDENTITY.gpf;
    const bytes = await buildCommand(this.harness, { messageCode: command.messageCode, payload: command.payload(), counter, recipient, ...routeOf(command, party) });
    return { outcome: await this.harness.process(bytes), counter };
  }
}

const why = (outcome: Outcome) => (outcome.kind === 'dropped' ? `dropped: ${outcome.refusal.code} (${outcome.refusal.message})` : outcome.kind);

async function expectAllowed(hub: MatrixHub, command: MatrixCommand, party: Party): Promise<void> {
  const { outcome, counter: sent } = await hub.send(command, party);
  expect(hub.harness.hub.counters.lastAccepted(routeOf(command, party).originator)).toBe(sent);
  expect(why(outcome)).toBe('answered');
  // Signed by the hub with no MAC, so it reaches parties that hold Digital Signing keys only (WAN provider, transitional CoS, recovery);
  // every CS02b is answered so, accessControlBrokerByACB's MACed command too.
  if (messageCodeEntry(command.messageCode)!.signedResponse) expect((await expectSignedResponse(outcome)).header.recipient).toBe(party.eui);
}

async function expectRefused(hub: MatrixHub, command: MatrixCommand, party: Party): Promise<void> {
  const { securityLog } = hub.harness.hub.chf;
  const { counters } = hub.harness.hub;
  const { originator } = routeOf(command, party);
  // A minute on, so the refusal is the first of its minute: past 20 the Security Log takes one "unusual numbers" entry for the rest.
  hub.harness.clock.set(hub.harness.clock.now() + REFUSAL_WINDOW_MS);
  const before = await hub.snapshot();
  const lastAccepted = counters.lastAccepted(originator);
  // The log keeps its newest 100, so what was added is told by sequence number, not by count.
  const [last] = await securityLog.newest(1);
  const { outcome } = await hub.send(command, party);
  expect(outcome.kind === 'dropped' ? outcome.refusal.code : why(outcome)).toBe('ROLE_NOT_ALLOWED');
  expect(outcome.alerts).toEqual([]);
  const added = (await securityLog.newest(3)).filter((entry) => entry.sequence > (last?.sequence ?? -1));
  expect(added.map((entry) => entry.code)).toEqual([HUB_EVENTS.sourceLacksAuthority.code]);
  expect(counters.lastAccepted(originator)).toBe(lastAccepted);
  expect(await hub.snapshot()).toEqual(before);
}

/** Rows that start from the same state share a hub: only the allowed cells change it, and each refused cell is judged on its own before and after. */
function groupsBySeed(commands: readonly MatrixCommand[]): Array<{ seed: HubSeed | undefined; commands: MatrixCommand[] }> {
  const groups = new Map<HubSeed | MatrixCommand | undefined, MatrixCommand[]>();
  for (const command of commands) {
    const key = command.ownHub ? command : command.seed;
    groups.set(key, [...(groups.get(key) ?? []), command]);
  }
  return [...groups.values()].map((grouped) => ({ seed: grouped[0]!.seed, commands: grouped }));
}

export function matrixRows(commands: readonly MatrixCommand[], parties: readonly Party[], allows: (command: MatrixCommand, party: Party) => boolean, supply?: HubSeed['supply']): void {
  for (const group of groupsBySeed(commands)) {
    describe(`${supply ? 'split supply: ' : ''}${group.commands.map(rowName).join(', ')}`, () => {
      let hub: MatrixHub;
      const state = new MatrixState();
      beforeAll(async () => {
        const seed = { ...group.seed, ...(supply ? { supply } : {}) };
        hub = new MatrixHub(await ConformanceHub.open({ seed, han: 'radio', extras: state.extras, domains: MATRIX_DOMAINS }));
        state.attach(hub.harness);
      });
      afterAll(async () => {
        await state.close();
        await hub.harness.close();
      });
      for (const command of group.commands) {
        // Refused cells first: an allowed cell's effects (a scan it starts) then come after the row's refusals.
        for (const party of [...parties].sort((a, b) => Number(allows(command, a)) - Number(allows(command, b)))) {
          const allowed = allows(command, party);
          const title = `${rowName(command)} (${hex4(command.messageCode)}) ${allowed ? 'answers' : 'refuses'} the ${party.name}`;
          const question = OPEN_QUESTIONS.get(cellKey(command, party));
          if (question !== undefined || !trusted(party)) {
            // Not a missing prerequisite: a cell with no rule to test yet, so a todo, never a skip.
            it.todo(`${title}: ${question ?? `the hub takes no ${party.role} certificate as a trust anchor`}`);
            continue;
          }
          it(title, async () => {
            expect(hub.harness.hub.credentials.roleOf(party.eui)).toBe(party.role);
            await hub.prepare(command);
            await (allowed ? expectAllowed(hub, command, party) : expectRefused(hub, command, party));
          });
        }
      }
    });
  }
}

