import { expect, it } from 'vitest';
import type { ManualClock } from '../../hal/clock.js';
import { decodeMessage } from '../../src/gbcs/index.js';
import type { Store } from '../../src/store/index.js';
import { configurationFromDlms, SubGhzState, type SubGhzPage } from '../../src/subghz/index.js';
import { describeRtds, itWithVectors, loadVectors, type Vector } from '../helpers/rtds.js';
import { TableRadio } from '../src/subghz/helpers.js';
import { ConformanceHub, expectAnswer, RTDS_IDENTITY } from './harness.js';

/**
 * Every DBCH command the RTDS holds for the CHF, answered byte for byte by a hub whose Sub GHz
 * state is what the vector implies, and the DBCH alerts the commands cause. The ERROR vectors all
 * answer hardware-fault: the hub's Sub GHz side is missing or cannot work (see dbch-common.ts).
 */
type SubGhzSeed = 'none' | ((state: SubGhzState, clock: ManualClock) => Promise<void>);

const GBCS_EPOCH_MS = Date.UTC(2000, 0, 1);
const PAGES: SubGhzPage[] = [28, 29, 30, 31];
const RTDS_NOW = Date.UTC(2015, 0, 1);

function vector(name: string): Vector {
  const found = loadVectors().find((v) => v.name === name);
  if (!found) throw new Error(`no RTDS vector ${name}`);
  return found;
}


const SEEDS: Readonly<Record<string, SubGhzSeed>> = {
  // The network formed on page 28 channel 0, as DBCH07 then reported.
  DBCH01_SUCCESS: async (state) => state.adoptChannel({ page: 28, channel: 0 }),
  // No Sub GHz network yet: there is no operating channel to report.
  DBCH01_ERROR: async () => undefined,
  // Eleven channel changes in the range the command reads: channel i on page 28 + i mod 4.
  DBCH02_SUCCESS: async (state, clock) => {
    const changes = [472348800, 472470300, 472570380, 472653060, 472713000, 472825380, 472944360, 472967940, 473088000, 473153160, 473284620];
    for (const [i, seconds] of changes.entries()) {
      clock.set(GBCS_EPOCH_MS + seconds * 1000);
      await state.adoptChannel({ page: PAGES[i % 4]!, channel: i % 8 });
    }
    clock.set(RTDS_NOW);
  },
  DBCH02_ERROR: 'none',
  // The configuration the response reports, set by an earlier DBCH04 (counter 0x514 for DBCH03 is the supplier's next).
  DBCH03_SUCCESS: async (state) => void (await state.setConfiguration(configurationFromDlms(
    [0xe0000003, 0xe8000003, 0xf0000003, 0xf8000003],
    [125, 200, 4, 6, 6, 10, 5050, 125, 90, 5000, 3000].map((value, i) => ({ type: [2, 4, 5, 7].includes(i) ? 'unsigned' : 'long-unsigned', value })),
  ))),
  DBCH03_ERROR: 'none',
  DBCH04_SUCCESS: async () => undefined,
  // The Sub GHz state's store has failed: nothing can be written.
  DBCH04_ERROR: async (state) => state.close(),
  DBCH05_SUCCESS: async () => undefined,
  DBCH05_ERROR: 'none',
};

/** The alert each command causes, where the RTDS has it. */
const ALERTS: Readonly<Record<string, string>> = {
  DBCH04_SUCCESS: 'DBCH04_6.28_NA_SUCCESS_ALERT_DBCH09_GBCS.HEX',
  DBCH05_SUCCESS: 'DBCH08_NA_8F28_ALERT_GBCS.HEX',
};

/** Every RTDS Sub GHz alert carries the hub's counter 0xFA0. */
const OWN_COUNTER_BEFORE_ALERT = 0xf9f;

let opened: SubGhzState | undefined;

/** A hub seeded for one vector; `opened` is its Sub GHz state, if it has one. */
async function openHub(seed: SubGhzSeed, capacity?: number, alertsBefore = 0): Promise<ConformanceHub> {
  opened = undefined;
  return ConformanceHub.open({
    seed: { counters: { own: OWN_COUNTER_BEFORE_ALERT - alertsBefore } },
    extras: async (store: Store, clock: ManualClock) => {
      if (seed === 'none') return {};
      const subGhz = await SubGhzState.open(store, { clock, radio: new TableRadio(), ...(capacity === undefined ? {} : { capacity }) });
      await seed(subGhz, clock);
      opened = subGhz;
      return { subGhz };
    },
  });
}

const pairs = () =>
  loadVectors()
    .filter((v) => v.kind === 'COMMAND' && v.useCase.startsWith('DBCH'))
    .map((command) => ({ command, response: loadVectors().find((v) => v.kind === 'RESPONSE' && v.useCase === command.useCase && v.outcome === command.outcome)! }));

describeRtds('RTDS conformance: DBCH commands to the CHF answered byte for byte', () => {
  it('has a seed for every DBCH command vector present', () => {
    const missing = pairs().map(({ command }) => `${command.useCase}_${command.outcome}`).filter((key) => !(key in SEEDS));
    expect(missing).toEqual([]);
  });

  for (const { command, response } of pairs()) {
    const key = `${command.useCase}_${command.outcome}`;
    it(`${command.name} → ${response.name}${ALERTS[key] ? ` and ${ALERTS[key]}` : ''}`, async () => {
      const harness = await openHub(SEEDS[key] ?? 'none');
      try {
        const loose: Buffer[] = [];
        harness.hub.router.on('alert', (alert) => loose.push(alert.bytes));
        const outcome = await harness.process(command.bytes);
        expectAnswer(outcome, response.bytes);
        const alertName = ALERTS[key];
        if (alertName && loadVectors().some((v) => v.name === alertName)) {
          // DBCH09 follows its command's response; DBCH08 comes once the scan request is assessed (a DBCH07 may follow it).
          const expected = vector(alertName).bytes;
          const code = decodeMessage(expected).header.messageCode;
          const raised = () => [...(outcome.kind === 'answered' ? outcome.alerts.map((a) => a.bytes) : []), ...loose];
          await expect.poll(() => raised().filter((bytes) => decodeMessage(bytes).header.messageCode === code).length).toBe(1);
          expect(raised()[0]!.toString('hex')).toBe(expected.toString('hex'));
        } else if (outcome.kind === 'answered') {
          expect(outcome.alerts).toEqual([]);
        }
      } finally {
        await harness.close();
      }
    });
  }

  it('DBCH07: a channel change raises the RTDS alert, sealed with the hub\'s counter', async () => {
    const harness = await openHub(async () => undefined);
    try {
      const sent: Buffer[] = [];
      harness.hub.router.on('alert', (alert) => sent.push(alert.bytes));
      await opened!.adoptChannel({ page: 28, channel: 0 });
      await expect.poll(() => sent.length).toBe(1);
      expect(sent[0]!.toString('hex')).toBe(vector('DBCH07_NA_8F26_ALERT_GBCS.HEX').bytes.toString('hex'));
      expect(decodeMessage(sent[0]!).header.originator).toBe(RTDS_IDENTITY.chf);
    } finally {
      await harness.close();
    }
  });

  /** Sends as `eui64` until the Sub GHz state pauses it for duty cycle. */
  async function exhaust(state: SubGhzState, eui64: string): Promise<void> {
    await state.admitJoin(eui64);
    for (let i = 0; i < 10_000 && !state.pauseOf(eui64); i++) await state.deviceTransmitted(eui64, 2047);
  }

  /** Each alert, what causes it, and how many alerts the cause raises before it (pausing the ESME raises DBCH06 first). */
  const TRIGGERS: ReadonlyArray<[alert: string, cause: (state: SubGhzState) => Promise<unknown>, alertsBefore?: number]> = [
    ['DBCH06_NA_8F20_ALERT_GBCS.HEX', (state) => exhaust(state, '00DB1234567890A1')],
    ['DBCH10_NA_8F2C_ALERT_GBCS.HEX', async (state) => {
      await exhaust(state, '00DB1234567890A0');
      state.admitCommand('00DB1234567890A0', { messageCode: 0x0027, originatorCounter: 0x3e8n, remoteParty: '90B3D51F30010000' });
    }, 1],
    ['DBCH11_NA_8F2D_ALERT_GBCS.HEX', async (state) => {
      await state.admitJoin('00DB1234567890A0');
      await state.admitJoin('00DB1234567890A4');
      await state.admitJoin('00DB1234567890A1');
    }],
  ];

  for (const [name, cause, alertsBefore] of TRIGGERS) {
    itWithVectors(name)(`${name}: raised from its event, sealed with the hub's counter`, async () => {
      const harness = await openHub(async () => undefined, 2, alertsBefore);
      try {
        await cause(opened!);
        const code = decodeMessage(vector(name).bytes).header.messageCode;
        const ofCode = () => harness.looseAlerts.filter((alert) => alert.messageCode === code);
        await expect.poll(() => ofCode().length).toBe(1);
        expect(ofCode()[0]!.bytes.toString('hex')).toBe(vector(name).bytes.toString('hex'));
      } finally {
        await harness.close();
      }
    });
  }
});
