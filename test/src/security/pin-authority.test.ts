import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Option } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { buildProgram } from '../../../src/cli.js';
import { MESSAGE_CODES } from '../../../src/gbcs/message-codes.js';
import { GasProxyData, GpfDeviceLog } from '../../../src/gpf/index.js';
import { openGbcsHub } from '../../../src/hub/gbcs-hub.js';
import { ALL_HANDLERS } from '../../../src/hub/handlers.js';
import type { RefusalReason } from '../../../src/hub/router.js';
import { openHubLogs } from '../../../src/logs/index.js';
import { parseCertificate } from '../../../src/security/certificates.js';
import { TRUSTED_ROLES } from '../../../src/security/credentials.js';
import { PinStore, type PinAuthority } from '../../../src/security/pin-store.js';
import type { PinKind } from '../../../src/security/pin-rules.js';
import { buildCommand, RTDS_ACB, RTDS_IDENTITY, RTDS_NETWORK_OPERATOR, RTDS_SUPPLIER, rtdsKeystore } from '../../conformance/harness.js';
import { GCS11_CODE, gcs11Payload, openPinHub, type PinHub } from '../../conformance/gpf-pins.js';
import { describeRtds } from '../../helpers/rtds.js';
import { PIN_COMMAND_GROUPS, type PinCommandGroup } from '../cli/pin-cli.js';
import { GSME, rig, temp } from '../han/relay-rig.js';
import { CliPins, newEntries, pinState, type PinState } from './pin-authority-rig.js';
import { openPinRig, rejection, TEST_SCRYPT, type PinRig } from './pin-helpers.js';

/**
 * No code path changes a PIN without proof of authority. Every way in is listed here: each `hub pin`
 * subcommand, each PinStore method, each GBCS use case that touches a PIN. Each is tried without
 * proof (no PIN, a wrong one, no or a forged authority, a party without the role, a replay), and the
 * stored PIN records (hash, salt, parameters, who set them when) must be exactly as they were, with
 * a Security Log entry for the attempt; then with proof, the change must happen. The guards at the
 * end fail when a new subcommand, PinStore method or PIN use case appears that this file does not try.
 */
const ENGINEERING = '482910';
const PRIVACY = '7193';
const NEW_ENGINEERING = '730418';
const NEW_PRIVACY = '9041';

function expectUnchanged(before: PinState, after: PinState, what: string, logged: string | null): void {
  expect(after.records, what).toEqual(before.records);
  const entries = newEntries(before, after);
  if (logged === null) expect(entries, what).toEqual([]);
  else expect(entries, what).toContain(logged);
}

interface CliAttempt {
  what: string;
  args: string[];
  lines: string[];
  /** The Security Log entry it earns; null where no PIN reached the store (or nothing was asked to change). */
  logged: string | null;
}

/**
 * Every subcommand of the `hub` command groups that ask for a PIN (`hub <group> <subcommand>`),
 * each tried without proof of authority.
 */
const CLI_ATTEMPTS: Readonly<Record<string, readonly CliAttempt[]>> = {
  'pin set': [
    { what: 'set the engineering PIN over the one set', args: ['set'], lines: [NEW_ENGINEERING, NEW_ENGINEERING], logged: 'pinChangeRefused' },
    { what: 'set the privacy PIN over the one set', args: ['set', '--kind', 'privacy'], lines: [NEW_PRIVACY, NEW_PRIVACY], logged: 'pinChangeRefused' },
  ],
  'pin change': [
    { what: 'change the engineering PIN with a wrong current PIN', args: ['change'], lines: ['000111', NEW_ENGINEERING, NEW_ENGINEERING], logged: 'pinVerificationFailed' },
    { what: 'change the engineering PIN with no current PIN (an empty entry)', args: ['change'], lines: ['', NEW_ENGINEERING, NEW_ENGINEERING], logged: 'pinVerificationFailed' },
    { what: 'change the engineering PIN proving the privacy PIN', args: ['change'], lines: [PRIVACY, NEW_ENGINEERING, NEW_ENGINEERING], logged: 'pinVerificationFailed' },
    { what: 'change the privacy PIN with a wrong current PIN', args: ['change', '--kind', 'privacy'], lines: ['8080', NEW_PRIVACY, NEW_PRIVACY], logged: 'pinVerificationFailed' },
    { what: 'change the privacy PIN with no current PIN', args: ['change', '--kind', 'privacy'], lines: ['', NEW_PRIVACY, NEW_PRIVACY], logged: 'pinVerificationFailed' },
    { what: 'change the privacy PIN proving the engineering PIN', args: ['change', '--kind', 'privacy'], lines: [ENGINEERING, NEW_PRIVACY, NEW_PRIVACY], logged: 'pinVerificationFailed' },
    { what: 'change with the input ending before any PIN', args: ['change'], lines: [], logged: null },
  ],
  'pin verify': [
    { what: 'verify a wrong engineering PIN', args: ['verify'], lines: [NEW_ENGINEERING], logged: 'pinVerificationFailed' },
    { what: 'verify a wrong privacy PIN', args: ['verify', '--kind', 'privacy'], lines: [NEW_PRIVACY], logged: 'pinVerificationFailed' },
  ],
  'pin status': [{ what: 'status with PINs piped in', args: ['status'], lines: [NEW_ENGINEERING, NEW_ENGINEERING], logged: null }],
  // Restrict Data asks for the engineering PIN: it only checks it, and a wrong one must change no PIN either.
  'gpf restrict': [
    { what: 'restrict data with a wrong engineering PIN', args: ['restrict', 'on'], lines: [NEW_ENGINEERING], logged: 'pinVerificationFailed' },
    { what: 'restrict data with the privacy PIN', args: ['restrict', 'on'], lines: [PRIVACY], logged: 'pinVerificationFailed' },
    { what: 'restrict data with no PIN (an empty entry)', args: ['restrict', 'off'], lines: [''], logged: 'pinVerificationFailed' },
  ],
  'gpf status': [{ what: 'gpf status with PINs piped in', args: ['status'], lines: [ENGINEERING, PRIVACY], logged: null }],
};

const groupOf = (command: string) => command.split(' ')[0] as PinCommandGroup;

/** PinStore's methods: the two that change a PIN, the two that read (a wrong PIN moves only the counters), and its internals. */
const PIN_STORE_METHODS = {
  mutating: ['set', 'remove'],
  reading: ['status', 'verify'],
  internal: ['verifyNow', 'authorise', 'refuse', 'read', 'log', 'scrypt', 'now', 'serial'],
} as const;

/** Authorities that prove nothing, for every PinStore change. */
const NO_PROOF: ReadonlyArray<[string, PinAuthority | undefined]> = [
  ['no authority', undefined],
  ['an authority of no known kind', { by: 'guess' } as unknown as PinAuthority],
  ['installation over a PIN that is set', { by: 'installation' }],
  ['a wrong current PIN', { by: 'currentPin', pin: '000111' }],
  ['an empty current PIN', { by: 'currentPin', pin: '' }],
  ['a command with no party', { by: 'command' } as unknown as PinAuthority],
  ...(['networkOperator', 'otherUser', 'accessControlBroker', 'wanProvider', 'transitionalCoS', 'root', 'recovery'] as const).map(
    (role): [string, PinAuthority] => [`a ${role} command`, { by: 'command', command: { role, service: '3.5' } }],
  ),
];

const SUPPLIER_COMMAND: PinAuthority = { by: 'command', command: { role: 'supplier', service: '3.5' } };
const KINDS: readonly PinKind[] = ['engineering', 'privacy'];

let counter = 0x4000n;

interface GbcsAttempt {
  what: string;
  bytes(hub: PinHub): Promise<Buffer>;
  refusal: RefusalReason;
  logged: string;
}

const toGpf = (hub: PinHub, extra: Parameters<typeof buildCommand>[1] extends infer S ? Partial<S> : never) =>
  buildCommand(hub.harness, { messageCode: GCS11_CODE, payload: gcs11Payload(), counter: counter++, recipient: RTDS_IDENTITY.gpf, ...extra });

/** Every GBCS use case that touches a PIN, each sent without the authority to do it. */
const GBCS_ATTEMPTS: Readonly<Record<string, readonly GbcsAttempt[]>> = {
  GCS11: [
    { what: 'a network operator', bytes: (hub) => toGpf(hub, { remoteParty: RTDS_NETWORK_OPERATOR }), refusal: 'ROLE_NOT_ALLOWED', logged: 'sourceLacksAuthority' },
    { what: 'the Access Control Broker with no user behind it', bytes: (hub) => toGpf(hub, { remoteParty: null }), refusal: 'ROLE_NOT_ALLOWED', logged: 'sourceLacksAuthority' },
    { what: 'a party the hub does not trust', bytes: (hub) => toGpf(hub, { remoteParty: '90B3D51F30090000' }), refusal: 'UNKNOWN_PARTY', logged: 'sourceLacksAuthority' },
    {
      what: 'a supplier command whose MAC does not check',
      bytes: async (hub) => {
        const bytes = await toGpf(hub, {});
        bytes[bytes.length - 1]! ^= 0x01;
        return bytes;
      },
      refusal: 'MAC_INVALID',
      logged: 'trustedSourceAuthenticationFailure',
    },
    { what: 'a supplier command to the CHF', bytes: (hub) => toGpf(hub, { recipient: RTDS_IDENTITY.chf }), refusal: 'WRONG_DEVICE', logged: 'commandIntegrityFailed' },
  ],
};

describe('hub pin and hub gpf: no subcommand changes a PIN without proof', () => {
  it('leaves the stored PINs as they were for every attempt without proof, and logs each attempt that offered a PIN', async () => {
    const pins = await CliPins.open(ENGINEERING, PRIVACY);
    for (const [command, attempts] of Object.entries(CLI_ATTEMPTS)) {
      for (const attempt of attempts) {
        expect(`${groupOf(command)} ${attempt.args[0]}`, attempt.what).toBe(command);
        const before = await pins.state();
        const outcome = await pins.run(attempt.args, attempt.lines, groupOf(command)).then(
          () => 'ran',
          () => 'refused',
        );
        expect(outcome, attempt.what).toBe(command.endsWith(' status') ? 'ran' : 'refused');
        expectUnchanged(before, await pins.state(), attempt.what, attempt.logged);
        await pins.reset(ENGINEERING, PRIVACY);
      }
    }
  });

  it('changes each PIN for the person who proves it, and sets one only where none is', async () => {
    const pins = await CliPins.open(ENGINEERING, PRIVACY);
    const first = await pins.state();
    expect(first.records['engineering']).toMatch(/"setBy":"installation"/);
    expect(first.records['privacy']).toMatch(/"setBy":"installation"/);
    await pins.run(['change'], [ENGINEERING, NEW_ENGINEERING, NEW_ENGINEERING]);
    await pins.run(['change', '--kind', 'privacy'], [PRIVACY, NEW_PRIVACY, NEW_PRIVACY]);
    const after = await pins.state();
    for (const kind of KINDS) {
      expect(after.records[kind]).not.toBe(first.records[kind]);
      expect(after.records[kind]).toMatch(/"setBy":"currentPin"/);
    }
    expect(newEntries(first, after)).toEqual(['pinChanged', 'pinChanged']);
  });
});

describe('PinStore: no method changes a PIN without proof', () => {
  let rig: PinRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  const state = (r: PinRig) => pinState(r.store, () => r.logs.securityLog.newest());

  it('refuses set and remove of either PIN on every authority that proves nothing, changing nothing and logging each', async () => {
    const r = (rig = await openPinRig());
    await r.pins.set('engineering', ENGINEERING, { by: 'installation' }, 'cli');
    await r.pins.set('privacy', PRIVACY, { by: 'installation' }, 'local');
    const attempts: Array<[string, () => Promise<void>]> = [];
    for (const kind of KINDS) {
      for (const [what, authority] of NO_PROOF) {
        attempts.push([`set the ${kind} PIN on ${what}`, () => r.pins.set(kind, kind === 'engineering' ? NEW_ENGINEERING : NEW_PRIVACY, authority as PinAuthority, 'test')]);
        attempts.push([`remove the ${kind} PIN on ${what}`, () => r.pins.remove(kind, authority as PinAuthority, 'test')]);
      }
    }
    attempts.push(['remove the engineering PIN on the supplier command', () => r.pins.remove('engineering', SUPPLIER_COMMAND, 'gbcs')]);
    attempts.push(['remove the privacy PIN by proving it', () => r.pins.remove('privacy', { by: 'currentPin', pin: PRIVACY }, 'local')]);
    for (const [what, attempt] of attempts) {
      const before = await state(r);
      await rejection(attempt());
      const after = await state(r);
      expect(after.records, what).toEqual(before.records);
      expect(newEntries(before, after).filter((name) => name === 'pinChangeRefused' || name === 'pinVerificationFailed'), what).not.toEqual([]);
      await r.pins.verify('engineering', ENGINEERING, 'test');
      await r.pins.verify('privacy', PRIVACY, 'test');
    }
  });

  it("changes a PIN on the supplier's command, and removes only the privacy PIN", async () => {
    const r = (rig = await openPinRig());
    await r.pins.set('engineering', ENGINEERING, { by: 'installation' }, 'cli');
    await r.pins.set('privacy', PRIVACY, { by: 'installation' }, 'local');
    const before = await state(r);
    await r.pins.set('engineering', NEW_ENGINEERING, SUPPLIER_COMMAND, 'gbcs');
    await r.pins.remove('privacy', SUPPLIER_COMMAND, 'gbcs');
    const after = await state(r);
    expect(after.records['engineering']).toMatch(/"setBy":"command"/);
    expect(after.records['privacy']).toBe('');
    expect(newEntries(before, after)).toEqual(['pinChanged', 'pinChanged']);
  });
});

describeRtds('GBCS: no command changes a PIN without the authority', () => {
  let hub: PinHub | undefined;
  afterEach(async () => {
    await hub?.harness.close();
    hub = undefined;
  });

  async function openWithPins(): Promise<PinHub> {
    const opened = (hub = await openPinHub());
    await opened.pins.set('engineering', ENGINEERING, { by: 'installation' }, 'cli');
    await opened.pins.set('privacy', PRIVACY, { by: 'installation' }, 'local');
    return opened;
  }
  const state = (h: PinHub) => pinState(h.harness.store, () => h.harness.hub.chf.securityLog.newest());

  it('drops every command without the authority, leaving both PINs and logging each', async () => {
    const h = await openWithPins();
    for (const [useCase, attempts] of Object.entries(GBCS_ATTEMPTS)) {
      for (const attempt of attempts) {
        const what = `${useCase} from ${attempt.what}`;
        const before = await state(h);
        const outcome = await h.harness.process(await attempt.bytes(h));
        expect(outcome.kind === 'dropped' && outcome.refusal.code, what).toBe(attempt.refusal);
        expectUnchanged(before, await state(h), what, attempt.logged);
      }
    }
  });

  it('removes the privacy PIN for the supplier, and drops the same command sent again', async () => {
    const h = await openWithPins();
    const bytes = await toGpf(h, {});
    const before = await state(h);
    expect((await h.harness.process(bytes)).kind).toBe('answered');
    const removed = await state(h);
    expect(removed.records).toEqual({ engineering: before.records['engineering'], privacy: '' });
    expect(newEntries(before, removed)).toEqual(['pinChanged']);

    // The householder sets a new one; the replayed command must not remove it.
    await h.pins.set('privacy', NEW_PRIVACY, { by: 'installation' }, 'local');
    const reset = await state(h);
    const replayed = await h.harness.process(bytes);
    expect(replayed.kind === 'dropped' && replayed.refusal.code).toBe('REPLAYED');
    expectUnchanged(reset, await state(h), 'the replayed GCS11', 'replayDetected');
  });
});

describeRtds('GBCS: a GCS11 for the gas meter is relayed, not acted on', () => {
  it('passes a GCS11 addressed to the GSME over the HAN untouched and keeps the privacy PIN (the hub cannot authenticate it)', async () => {
    const { relay, log } = await rig();
    const { secureElement, trustStore } = await rtdsKeystore();
    const clock = new ManualClock(Date.UTC(2015, 0, 1));
    const logs = await openHubLogs(temp.store, clock);
    const pins = await PinStore.open(temp.store, { clock, securityLog: logs.securityLog, scrypt: TEST_SCRYPT });
    await pins.set('privacy', PRIVACY, { by: 'installation' }, 'local');
    const gpf = { data: await GasProxyData.open(temp.store), deviceLog: await GpfDeviceLog.open(temp.store), pins };
    const gbcs = await openGbcsHub({ store: temp.store, secureElement, clock, identity: RTDS_IDENTITY, deviceLog: log, logs, relay, gpf });
    try {
      for (const credential of trustStore.all()) {
        if (credential.role && TRUSTED_ROLES.includes(credential.role)) await gbcs.credentials.install(parseCertificate(credential.der));
      }
      // Sealed for the GPF, then readdressed: a command to the GSME whose MAC only the GSME could check.
      const header = { cra: 'command' as const, originatorCounter: counter++, originator: RTDS_ACB, recipient: RTDS_IDENTITY.gpf, messageCode: GCS11_CODE, supplementary: { remotePartyId: RTDS_SUPPLIER } };
      const bytes = await gbcs.authenticator.seal({ header, payload: gcs11Payload(), signature: 'empty' });
      bytes.set(Buffer.from(GSME, 'hex'), bytes.indexOf(Buffer.from(RTDS_IDENTITY.gpf, 'hex')));
      const before = await pinState(temp.store, () => logs.securityLog.newest());
      expect(await gbcs.router.process(bytes)).toMatchObject({ kind: 'relayed', to: GSME });
      expectUnchanged(before, await pinState(temp.store, () => logs.securityLog.newest()), 'a GCS11 for the GSME', null);
    } finally {
      await gbcs.stop();
    }
  });
});

describe('the list of ways in is complete', () => {
  it('tries every subcommand of each `hub` command group that asks for a PIN, each for every PIN kind it takes', async () => {
    const program = await buildProgram();
    const listed: string[] = [];
    for (const group of Object.keys(PIN_COMMAND_GROUPS)) {
      const commands = program.commands.find((command) => command.name() === group)!.commands;
      for (const command of commands) {
        const name = `${group} ${command.name()}`;
        listed.push(name);
        const kind = command.options.find((option: Option) => option.long === '--kind');
        if (!kind) continue;
        const tried = new Set(CLI_ATTEMPTS[name]?.map((attempt) => (attempt.args.includes('privacy') ? 'privacy' : 'engineering')));
        expect([...tried].sort(), name).toEqual([...(kind.argChoices ?? [])].sort());
      }
    }
    expect(listed.sort()).toEqual(Object.keys(CLI_ATTEMPTS).sort());
  });

  it('knows every PinStore method, and which of them change a PIN', () => {
    const methods = Object.getOwnPropertyNames(PinStore.prototype).filter((name) => name !== 'constructor');
    expect(methods.sort()).toEqual(Object.values(PIN_STORE_METHODS).flat().sort());
  });

  it('tries every GBCS use case about a PIN, and every handler registered for one', () => {
    // Those the hub may execute; a meter's own PIN use cases (ECS14) are relayed to it untouched.
    const pinUseCases = new Set([...MESSAGE_CODES.values()].filter((entry) => entry.target !== 'HAN' && /\bPIN\b/i.test(entry.title)).map((entry) => entry.useCase));
    expect([...pinUseCases].sort()).toEqual(Object.keys(GBCS_ATTEMPTS).sort());
    const handled = ALL_HANDLERS.filter((handler) => handler.messageCodes.some((code) => pinUseCases.has(MESSAGE_CODES.get(code)!.useCase)));
    expect(handled.map((handler) => handler.useCase).sort()).toEqual(Object.keys(GBCS_ATTEMPTS).sort());
  });

  it('knows every module that reaches the PIN store', async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const reaching: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.name.endsWith('.ts') && /\bpins\b[?!]?\.|\bpins\(\)|pin-store\.js/.test(await readFile(path, 'utf8'))) reaching.push(relative(root, path));
      }
    };
    await walk(join(root, 'src'));
    // The CLI groups (above) through their control operations (the same code over the socket and on a
    // stopped hub's store; none of them served over MQTT), the local views (reads, behind the privacy
    // PIN), GCS11 (above), and the wiring (the running hub, `hub gbcs process`'s throwaway hub, the
    // handler context's type, the control context's type, its store-opened version and the running hub's parts it names).
    expect(reaching.sort()).toEqual([
      'src/cli/pin.ts', 'src/control/hub-context.ts', 'src/control/local-context.ts', 'src/control/operation.ts',
      ...Object.keys(PIN_COMMAND_GROUPS).map((group) => `src/control/operations/${group}.ts`),
      'src/gpf/householder-view.ts', 'src/gpf/use-cases/gcs11-disable-privacy-pin.ts', 'src/compose.ts', 'src/hub/process-once.ts', 'src/use-case/use-case.ts',
      // The installer page verifies the engineering PIN (never sets one): test/src/installer/page-security.test.ts.
      'src/installer/page/routes.ts', 'src/installer/page/server.ts',
    ].sort());
  });
});
