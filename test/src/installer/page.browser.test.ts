import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { DeviceLog } from '../../../src/chf/device-log.js';
import { openLocalStore } from '../../../src/control/local-store.js';
import { chromiumMissing, itNeeds } from '../../helpers/prerequisites.js';
import { freshInstallCode, startRunningHub, type RunningHub } from '../../helpers/running-hub.js';

/**
 * The installer page in a real browser (Debian's chromium through playwright-core) at a phone's
 * size, against `hub start` with the simulated HAN in local-add mode: sign in, a wrong PIN and the
 * lockout, a Device whitelisted by a CCS01 sent over MQTT, the PPMID added by its label and watched
 * to its first message, a bad CRC refused on the spot, removal; a screenshot of each step in
 * test/artifacts/installer-page; and a scan of everything the browser got and kept for install
 * codes, link keys and the PIN.
 */
const CHF = '00DB1234567890D0';
const PPMID = '00DB1234567890D4';
const HCALCS = '00DB1234567890D6';
const PIN = '582947';
const ppmidCode = freshInstallCode();
const hcalcsCode = freshInstallCode();
const SHOTS = join(process.cwd(), 'test', 'artifacts', 'installer-page');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

const absent = chromiumMissing();
const itBrowser = itNeeds(absent);
let hub: RunningHub | undefined;
let profile: string;
const contexts: BrowserContext[] = [];
/** Every body the browser received from the hub, for the scan at the end. */
const received: string[] = [];
const foreignRequests: string[] = [];
let main: Page;
let base: string;

async function phone(): Promise<Page> {
  const context = await chromium.launchPersistentContext(await mkdtemp(join(profile, 'user-')), { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, ...PHONE });
  contexts.push(context);
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('request', (request) => void (request.url().startsWith(base) || foreignRequests.push(request.url())));
  page.on('response', (response) => void response.text().then((text) => received.push(text), () => undefined));
  page.on('dialog', (dialog) => void dialog.accept());
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const stage = (page: Page, eui64: string, name: string) => page.locator(`.journey[data-eui64="${eui64}"] li[data-stage="${name}"]`);

beforeAll(async () => {
  if (absent) return;
  await mkdir(SHOTS, { recursive: true });
  profile = await mkdtemp(join(tmpdir(), 'hub-page-browser-'));
  const scenario = [
    `network:\n  eui64: ${CHF}\ndevices:`,
    `  - name: ppmid\n    eui64: ${PPMID}\n    type: PPMID\n    installCode: ${ppmidCode}\n    commissioned: false`,
    `  - name: hcalcs\n    eui64: ${HCALCS}\n    type: HCALCS\n    installCode: ${hcalcsCode}\n    commissioned: false`,
  ].join('\n');
  hub = await startRunningHub({ name: 'page', scenario: `${scenario}\n`, config: 'installer:\n  mode: local-add\n  joinTimeoutSeconds: 120\n  page:\n    enabled: true\n    port: 0\n' });
  base = hub.pageUrl!;
  const set = await hub.run(['pin', 'set'], `${PIN}\n${PIN}\n`);
  expect(set.code, set.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await hub?.stop();
  if (profile) await rm(profile, { recursive: true, force: true });
});

describe('the installer page on a phone', () => {
  itBrowser('signs in with the engineering PIN; a wrong PIN is refused, and the lockout shown', async () => {
    main = await phone();
    await main.goto(base);
    await shot(main, '01-sign-in');
    await main.fill('#pin', PIN);
    await main.click('#login-form button[type=submit]');
    await expect.poll(() => main.locator('#health li[data-health="radio"]').getAttribute('class'), { timeout: 20_000 }).toBe('ok');
    await expect.poll(() => main.locator('#mode').textContent()).toBe('local-add mode');
    expect(await main.inputValue('#pin')).toBe('');
    await shot(main, '02-signed-in');

    const other = await phone();
    await other.goto(base);
    for (let attempt = 1; attempt <= 3; attempt++) {
      await other.fill('#pin', '913406');
      await other.click('#login-form button[type=submit]');
      await expect.poll(() => other.locator('#login-message').textContent()).toMatch(attempt < 3 ? /not the engineering PIN/ : /locked for \d+ s/);
    }
    await other.fill('#pin', PIN);
    await other.click('#login-form button[type=submit]');
    await expect.poll(() => other.locator('#login-message').textContent()).toMatch(/locked for \d+ s/);
    expect(await other.locator('#signed-in').isHidden()).toBe(true);
    await shot(other, '03-wrong-pin-locked-out');
  }, 90_000);

  itBrowser('shows a Device its supplier whitelisted with a CCS01 sent over MQTT, joining', async () => {
    const file = join(hub!.dir, 'hcalcs-code.txt');
    await writeFile(file, `${hcalcsCode}\n`, { mode: 0o600 });
    const sent = await hub!.run(['headend', 'ccs01', HCALCS, '--type', 'HCALCS', '--install-code-file', file]);
    expect(sent.code, sent.stderr).toBe(0);
    await expect.poll(() => stage(main, HCALCS, 'whitelisted').textContent(), { timeout: 30_000 }).toContain("by its supplier's CCS01");
    await expect.poll(() => stage(main, HCALCS, 'linkKeyEstablished').getAttribute('class'), { timeout: 30_000 }).toBe('done');
    await expect.poll(() => main.locator(`#device-log tr[data-eui64="${HCALCS}"]`).count(), { timeout: 10_000 }).toBe(1);
    await shot(main, '04-ccs01-whitelisted');
  }, 90_000);

  itBrowser('refuses a label with a bad CRC on the spot', async () => {
    const bad = ppmidCode.slice(0, -1) + (ppmidCode.endsWith('0') ? '1' : '0');
    await main.fill('#label', `Z:${PPMID}$I:${bad}`);
    await main.click('#check');
    await expect.poll(() => main.locator('#pair-message').textContent()).toMatch(/CRC does not match/);
    await main.click('#pair');
    await expect.poll(() => main.locator('#pair-message').getAttribute('class')).toContain('error');
    await shot(main, '05-bad-crc-refused');
    await main.fill('#label', '');
  }, 60_000);

  itBrowser('adds the simulated PPMID by its label and shows it joining to its first message', async () => {
    await main.fill('#label', `Z:${PPMID}$I:${ppmidCode}`);
    await main.click('#check');
    await expect.poll(() => main.locator('#pair-message').textContent()).toMatch(/not in the CHF Device Log.*CRC right/);
    await main.selectOption('#type', 'PPMID');
    await main.click('#pair');
    await expect.poll(() => stage(main, PPMID, 'installCode').textContent(), { timeout: 20_000 }).toMatch(/closes in \d+ s|second half/);
    await shot(main, '06-ppmid-window-open');
    await expect.poll(() => stage(main, PPMID, 'linkKeyEstablished').getAttribute('class'), { timeout: 30_000 }).toBe('done');
    expect(await stage(main, PPMID, 'heard').getAttribute('class')).toBe('done');
    expect(await stage(main, PPMID, 'whitelisted').textContent()).toContain('by a local add');
    await hub!.sim('sendGbcs', { from: PPMID, gbcs: 'DD00000000000000000000' });
    await expect.poll(() => stage(main, PPMID, 'firstMessage').getAttribute('class'), { timeout: 30_000 }).toBe('done');
    await expect.poll(() => stage(main, PPMID, 'cs14AlertSent').getAttribute('class'), { timeout: 10_000 }).toBe('done');
    await expect.poll(() => main.locator(`.han .node[data-eui64="${PPMID}"]`).textContent(), { timeout: 10_000 }).toMatch(/joined, talking.*LQI \d+/);
    await shot(main, '07-ppmid-first-message');
  }, 120_000);

  itBrowser('removes it', async () => {
    await main.click(`#device-log tr[data-eui64="${PPMID}"] button`);
    await expect.poll(() => main.locator(`#device-log tr[data-eui64="${PPMID}"]`).count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => main.locator(`.journey[data-eui64="${PPMID}"]`).getAttribute('data-state')).toBe('removed');
    await expect.poll(() => main.locator('#historic-log').textContent()).toContain(PPMID);
    await shot(main, '08-ppmid-removed');
  }, 60_000);

  itBrowser('never shows or keeps an install code, a link key or the PIN, and loads nothing from elsewhere', async () => {
    for (const page of contexts.map((c) => c.pages()[0]!)) {
      // Written as the browser's own script: this project's types know no DOM.
      expect(await page.evaluate('[localStorage.length, sessionStorage.length]')).toEqual([0, 0]);
      expect(await page.evaluate('indexedDB.databases().then((all) => all.length)')).toBe(0);
      for (const cookie of await page.context().cookies()) {
        expect(cookie.httpOnly).toBe(true);
        expect(cookie.sameSite).toBe('Strict');
        expect(cookie.value).not.toContain(PIN);
      }
    }
    expect(foreignRequests).toEqual([]);
    const log = hub!.log();
    const stopped = hub!;
    hub = undefined;
    await stopped.stop(true);
    // The keys the Devices established, read back from the stopped hub's sealed store.
    const { store } = await openLocalStore(stopped.storePath, {});
    const deviceLog = await DeviceLog.open(store);
    const keys = [...deviceLog.list().flatMap((d) => (d.tcLinkKey ? [d.tcLinkKey] : [])), ...deviceLog.historic.list().map((h) => h.tcLinkKey)];
    await deviceLog.close();
    await store.close();
    await stopped.remove();
    expect(keys.length).toBeGreaterThanOrEqual(2);
    const secrets = [ppmidCode, hcalcsCode, ...keys.map((k) => k.toString('hex')), ...keys.map((k) => k.toString('base64'))];
    const everything = [...received, log].join('\n');
    expect(received.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      expect(everything.toUpperCase()).not.toContain(secret.toUpperCase());
    }
    expect(everything).not.toContain(`"${PIN}"`);
    expect(everything).not.toMatch(new RegExp(`\\b${PIN}\\b`));
  }, 60_000);
});
