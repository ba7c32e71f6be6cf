import { afterEach, describe, expect, it } from 'vitest';
import { PIN_ATTEMPT_POLICY } from '../../../src/security/pin-attempts.js';
import { PIN_SCRYPT, type PinHash } from '../../../src/security/pin-hash.js';
import { PinError } from '../../../src/security/pin-rules.js';
import { PIN_DOMAIN, PinStoreError } from '../../../src/security/pin-store.js';
import { jsonCodec, openStore } from '../../../src/store/index.js';
import { dataKeyOf, filesUnder } from '../store/helpers.js';
import { openPinRig, START, type PinRig } from './pin-helpers.js';

const PIN = '482910';
const NEW_PIN = '730418';
const SUPPLIER = { by: 'command', command: { role: 'supplier', service: '3.5' } } as const;
const MINUTE = 60_000;

let rigs: PinRig[] = [];
async function rig(...args: Parameters<typeof openPinRig>): Promise<PinRig> {
  const opened = await openPinRig(...args);
  rigs.push(opened);
  return opened;
}
afterEach(async () => {
  await Promise.all(rigs.map((r) => r.close().catch(() => undefined)));
  rigs = [];
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('the engineering PIN', () => {
  it('is set once at installation and stored only as a salted scrypt hash with its parameters', async () => {
    const r = await rig();
    expect(await r.pins.status('engineering')).toMatchObject({ set: false, failures: 0, lockedForMs: 0 });
    await r.pins.set('engineering', PIN, { by: 'installation' }, 'cli');
    expect(await r.pins.status('engineering')).toMatchObject({ set: true, setAt: START, setBy: 'installation' });
    expect(await r.pins.verify('engineering', PIN, 'cli')).toEqual({ ok: true });

    const again = await rejection(r.pins.set('engineering', NEW_PIN, { by: 'installation' }, 'cli'));
    expect(again).toMatchObject({ code: 'PIN_ALREADY_SET' });
    expect(await r.pins.verify('engineering', PIN, 'cli')).toEqual({ ok: true });
    await r.close();

    // Read the record back through the store: parameters and salt beside the hash, no PIN.
    const store = await openStore({ path: r.path, secureElement: dataKeyOf(r.dataKey) });
    const domain = await store.domain({ name: PIN_DOMAIN, codec: jsonCodec<{ hash: PinHash }>(), personal: true });
    const record = await domain.get('engineering');
    await store.close();
    expect(record!.hash).toMatchObject({ algorithm: 'scrypt', N: 1024, r: 8, p: 1, keyLength: 32 });
    expect(Buffer.from(record!.hash.salt, 'base64')).toHaveLength(16);
    expect(JSON.stringify(record)).not.toContain(PIN);
    for (const file of await filesUnder(r.path)) expect(file.bytes.includes(Buffer.from(PIN)), file.name).toBe(false);
  });

  it('is changed by the installer who proves the current PIN; a wrong current PIN changes nothing and counts', async () => {
    const r = await rig();
    await r.pins.set('engineering', PIN, { by: 'installation' }, 'cli');

    expect(await rejection(r.pins.set('engineering', NEW_PIN, { by: 'currentPin', pin: '999111' }, 'cli'))).toMatchObject({ code: 'PIN_WRONG' });
    expect(await r.pins.status('engineering')).toMatchObject({ failures: 1 });
    expect(await r.pins.verify('engineering', NEW_PIN, 'cli')).toMatchObject({ ok: false, why: 'wrong' });

    expect(await rejection(r.pins.set('engineering', PIN, { by: 'currentPin', pin: PIN }, 'cli'))).toMatchObject({ code: 'PIN_UNCHANGED' });
    await r.clock.advance(MINUTE);
    await r.pins.set('engineering', NEW_PIN, { by: 'currentPin', pin: PIN }, 'cli');
    expect(await r.pins.status('engineering')).toMatchObject({ setAt: START + MINUTE, setBy: 'currentPin', failures: 0 });
    expect(await r.pins.verify('engineering', NEW_PIN, 'cli')).toEqual({ ok: true });
    expect(await r.pins.verify('engineering', PIN, 'cli')).toMatchObject({ ok: false });

    const names = (await r.security()).map(([name]) => name);
    expect(names).toEqual(['pinChanged', 'pinVerificationFailed', 'pinVerificationFailed', 'pinChanged', 'pinVerificationFailed']);
  });

  it('refuses a weak new PIN with the reason, and keeps the old one', async () => {
    const r = await rig();
    await r.pins.set('engineering', PIN, { by: 'installation' }, 'cli');
    for (const [weak, reason] of [['123456', 'ascending'], ['1234', 'default'], ['004829', 'identifier'], ['555555', 'repeatedDigit']] as const) {
      const error = await rejection(r.pins.set('engineering', weak, { by: 'currentPin', pin: PIN }, 'cli'));
      expect(error).toBeInstanceOf(PinError);
      expect((error as PinError).reason).toBe(reason);
    }
    expect(await r.pins.verify('engineering', PIN, 'cli')).toEqual({ ok: true });
    expect(await r.pins.status('engineering')).toMatchObject({ setBy: 'installation' });
  });

  it('refuses a weak first PIN at installation, leaving none set', async () => {
    const r = await rig();
    expect(await rejection(r.pins.set('engineering', '0000', { by: 'installation' }, 'cli'))).toBeInstanceOf(PinError);
    expect(await r.pins.status('engineering')).toMatchObject({ set: false });
    expect(await r.pins.verify('engineering', '0000', 'cli')).toEqual({ ok: false, why: 'notSet', retryAfterMs: 0 });
  });

  it('is re-hashed with stronger parameters when next proved, and still works', async () => {
    const first = await rig();
    await first.pins.set('engineering', PIN, { by: 'installation' }, 'cli');
    const r = await first.reopen(PIN_SCRYPT);
    rigs.push(r);
    expect(await r.pins.verify('engineering', PIN, 'cli')).toEqual({ ok: true });
    await r.close();
    const store = await openStore({ path: r.path, secureElement: dataKeyOf(r.dataKey) });
    const record = await (await store.domain({ name: PIN_DOMAIN, codec: jsonCodec<{ hash: PinHash; setAt: number }>(), personal: true })).get('engineering');
    await store.close();
    expect(record!.hash).toMatchObject({ N: PIN_SCRYPT.N, r: PIN_SCRYPT.r, p: PIN_SCRYPT.p });
    // The same PIN, re-hashed: not a change of PIN.
    expect(record!.setAt).toBe(START);
    const again = await r.reopen(PIN_SCRYPT);
    rigs.push(again);
    expect(await again.pins.verify('engineering', PIN, 'cli')).toEqual({ ok: true });
    expect((await again.security()).map(([name]) => name)).toEqual(['pinChanged']);
  });
});

describe('attempt limiting', () => {
  it('locks after three wrong PINs, refuses even the right PIN while locked, and grows each lockout', async () => {
    const r = await rig();
    await r.pins.set('engineering', PIN, { by: 'installation' }, 'cli');
    const wrong = () => r.pins.verify('engineering', '111222', 'cli');

    expect(await wrong()).toEqual({ ok: false, why: 'wrong', retryAfterMs: 0 });
    expect(await wrong()).toEqual({ ok: false, why: 'wrong', retryAfterMs: 0 });
    expect(await wrong()).toEqual({ ok: false, why: 'wrong', retryAfterMs: MINUTE });
    expect(await r.pins.verify('engineering', PIN, 'cli')).toEqual({ ok: false, why: 'locked', retryAfterMs: MINUTE });
    await r.clock.advance(MINUTE - 1);
    expect(await r.pins.verify('engineering', PIN, 'cli')).toEqual({ ok: false, why: 'locked', retryAfterMs: 1 });
    await r.clock.advance(1);

    // After a lockout, each further wrong PIN locks at once, for the next step.
    const steps = PIN_ATTEMPT_POLICY.lockoutsMs;
    for (let i = 1; i < steps.length + 1; i++) {
      const expected = steps[Math.min(i, steps.length - 1)]!;
      expect(await wrong()).toEqual({ ok: false, why: 'wrong', retryAfterMs: expected });
      expect((await r.pins.status('engineering')).lockedForMs).toBe(expected);
      await r.clock.advance(expected);
    }
    expect(await r.pins.verify('engineering', PIN, 'cli')).toEqual({ ok: true });
    expect(await r.pins.status('engineering')).toMatchObject({ failures: 0, lockedForMs: 0 });
    // A right PIN starts the count afresh.
    expect(await wrong()).toEqual({ ok: false, why: 'wrong', retryAfterMs: 0 });

    const log = await r.security();
    const lockouts = log.filter(([name]) => name === 'pinLockedOut');
    expect(lockouts.map(([, detail]) => detail['lockedForSeconds'])).toEqual([60, ...steps.slice(1).map((ms) => ms / 1000), steps.at(-1)! / 1000]);
    expect(lockouts[0]![1]).toEqual({ kind: 'engineering', via: 'cli', failures: 3, lockedForSeconds: 60 });
    // Two refusals during the first lockout, one logged.
    expect(log.filter(([name, detail]) => name === 'pinVerificationFailed' && detail['whileLocked'] === true)).toHaveLength(1);
    expect(JSON.stringify(log)).not.toMatch(/111222|482910/);
  });

  it('keeps the count and the lockout across a restart', async () => {
    const first = await rig();
    await first.pins.set('privacy', '7193', SUPPLIER, 'gbcs');
    await first.pins.verify('privacy', '8080', 'display');
    await first.pins.verify('privacy', '8080', 'display');
    let r = await first.reopen();
    rigs.push(r);
    expect(await r.pins.status('privacy')).toMatchObject({ failures: 2, lockedForMs: 0 });
    expect(await r.pins.verify('privacy', '8080', 'display')).toMatchObject({ why: 'wrong', retryAfterMs: MINUTE });
    await r.clock.advance(30_000);
    r = await r.reopen();
    rigs.push(r);
    expect(await r.pins.verify('privacy', '7193', 'display')).toEqual({ ok: false, why: 'locked', retryAfterMs: 30_000 });
  });

  it('never locks longer than the lockout itself when the clock is set back', async () => {
    const r = await rig();
    await r.pins.set('engineering', PIN, { by: 'installation' }, 'cli');
    for (let i = 0; i < 3; i++) await r.pins.verify('engineering', '111222', 'cli');
    r.clock.set(START - 365 * 24 * 60 * MINUTE);
    expect((await r.pins.status('engineering')).lockedForMs).toBe(MINUTE);
    expect(await r.pins.verify('engineering', PIN, 'cli')).toMatchObject({ why: 'locked', retryAfterMs: MINUTE });
    await r.clock.advance(MINUTE);
    expect(await r.pins.verify('engineering', PIN, 'cli')).toEqual({ ok: true });
  });

  it('counts every one of several wrong PINs sent at once', async () => {
    const r = await rig();
    await r.pins.set('engineering', PIN, { by: 'installation' }, 'cli');
    const verdicts = await Promise.all([1, 2, 3, 4].map(() => r.pins.verify('engineering', '111222', 'cli')));
    expect(verdicts.map((v) => (v.ok ? 'ok' : v.why))).toEqual(['wrong', 'wrong', 'wrong', 'locked']);
    expect(await r.pins.status('engineering')).toMatchObject({ failures: 3, lockedForMs: MINUTE });
  });

  it('counts a wrong current PIN given to change the PIN, and locks that path too', async () => {
    const r = await rig();
    await r.pins.set('engineering', PIN, { by: 'installation' }, 'cli');
    const change = () => r.pins.set('engineering', NEW_PIN, { by: 'currentPin', pin: '111222' }, 'installer');
    expect(await rejection(change())).toMatchObject({ code: 'PIN_WRONG' });
    expect(await rejection(change())).toMatchObject({ code: 'PIN_WRONG' });
    expect(await rejection(change())).toMatchObject({ code: 'PIN_LOCKED', retryAfterMs: MINUTE });
    expect(await rejection(r.pins.set('engineering', NEW_PIN, { by: 'currentPin', pin: PIN }, 'installer'))).toMatchObject({ code: 'PIN_LOCKED' });
    await r.clock.advance(MINUTE);
    await r.pins.set('engineering', NEW_PIN, { by: 'currentPin', pin: PIN }, 'installer');
    expect(await r.pins.verify('engineering', NEW_PIN, 'cli')).toEqual({ ok: true });
  });
});

describe('the privacy PIN (service 3.5)', () => {
  it("is the householder's: set while none is set, changed by proving it, removed by the supplier's command", async () => {
    const r = await rig();
    await r.pins.set('privacy', '7193', { by: 'installation' }, 'display');
    expect(await r.pins.verify('privacy', '7193', 'display')).toEqual({ ok: true });
    expect(await rejection(r.pins.set('privacy', '9041', { by: 'currentPin', pin: '8080' }, 'display'))).toMatchObject({ code: 'PIN_WRONG' });
    await r.pins.set('privacy', '9041', { by: 'currentPin', pin: '7193' }, 'display');
    expect(await r.pins.verify('privacy', '7193', 'display')).toMatchObject({ ok: false, why: 'wrong' });
    await r.pins.remove('privacy', SUPPLIER, 'gbcs');
    expect(await r.pins.status('privacy')).toMatchObject({ set: false, failures: 0 });
    expect(await r.pins.verify('privacy', '9041', 'display')).toMatchObject({ why: 'notSet' });
    // Once removed, the next householder sets one afresh.
    await r.pins.set('privacy', '5820', { by: 'installation' }, 'display');
    expect(await r.pins.status('privacy')).toMatchObject({ set: true, setBy: 'installation' });
    const changes = (await r.security()).filter(([name]) => name === 'pinChanged').map(([, d]) => [d['change'], d['by']]);
    expect(changes).toEqual([['set', 'installation'], ['changed', 'currentPin'], ['removed', 'command'], ['set', 'installation']]);
  });

  it('refuses and logs every change without authority, changing nothing', async () => {
    const r = await rig();
    await r.pins.set('privacy', '7193', SUPPLIER, 'gbcs');
    const attempts = [
      { by: 'installation' },
      { by: 'command', command: { role: 'networkOperator', service: '3.5' } },
      { by: 'command', command: { role: 'otherUser', service: '3.5' } },
      undefined,
      { by: 'guess' },
    ];
    for (const authority of attempts) {
      expect(await rejection(r.pins.set('privacy', '9041', authority as never, 'gbcs'))).toMatchObject({ code: authority?.by === 'installation' ? 'PIN_ALREADY_SET' : 'PIN_NO_AUTHORITY' });
      expect(await rejection(r.pins.remove('privacy', authority as never, 'gbcs'))).toMatchObject({ code: 'PIN_NO_AUTHORITY' });
    }
    // Knowing the PIN lets the householder change it, never remove it.
    expect(await rejection(r.pins.remove('privacy', { by: 'currentPin', pin: '7193' }, 'display'))).toMatchObject({ code: 'PIN_NO_AUTHORITY', message: /only by the supplier's command/ });
    expect(await r.pins.verify('privacy', '7193', 'display')).toEqual({ ok: true });
    const refused = (await r.security()).filter(([name]) => name === 'pinChangeRefused');
    expect(refused).toHaveLength(attempts.length * 2 + 1);
    expect(refused[0]![1]).toEqual({ kind: 'privacy', action: 'set', by: 'installation', via: 'gbcs' });
  });

  it('lets a supplier command reset a forgotten engineering PIN, which is never removed', async () => {
    const r = await rig();
    await r.pins.set('engineering', PIN, { by: 'installation' }, 'cli');
    await r.pins.set('engineering', NEW_PIN, SUPPLIER, 'gbcs');
    expect(await r.pins.verify('engineering', NEW_PIN, 'cli')).toEqual({ ok: true });
    expect(await rejection(r.pins.remove('engineering', SUPPLIER, 'gbcs'))).toMatchObject({ code: 'PIN_NO_AUTHORITY', message: /never removed/ });
    expect(await rejection(r.pins.status('office' as never))).toBeInstanceOf(PinStoreError);
  });
});
