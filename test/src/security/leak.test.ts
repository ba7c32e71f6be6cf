import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { withInstallCodeCrc } from '../../../hal/install-code.js';
import { DeviceLog } from '../../../src/chf/device-log.js';
import { GasProxyData } from '../../../src/gpf/index.js';
import { createLogger } from '../../../src/logs/process-logger.js';
import { openHubLogs } from '../../../src/logs/index.js';
import { FileSecureElement } from '../../../src/security/file-secure-element.js';
import { parseMpan, parseMprn } from '../../../src/security/identifiers.js';
import { redact } from '../../../src/privacy/personal-data.js';
import { PinStore } from '../../../src/security/pin-store.js';
import { openStore } from '../../../src/store/index.js';
import { buildTelemetry } from '../../../src/wan/telemetry.js';
import { filesUnder, tempDir } from '../store/helpers.js';
import { TEST_SCRYPT } from './pin-helpers.js';

/**
 * Planted personal values go through the layers that hold them (the GPF's store, the CHF Device
 * Log, the PIN store, the Security Log, the logger, telemetry, refusals), and none of them may come
 * out anywhere in plain text: not in a log line, an error message, telemetry or a file on disk.
 */
const MPAN = '1312345678907';
const MPRN = '0007654321';
const CONSUMPTION = 48213.957;
const INSTALL_CODE = withInstallCodeCrc(Buffer.from('83FED3407A939723A5C639FF4C12AF11', 'hex'));
const PIN = '482910';
const GSME = '00DB4829170356A1';

const PLANTED_TEXT = [MPAN, '7654321', String(CONSUMPTION), INSTALL_CODE.toString('hex'), INSTALL_CODE.toString('hex').toUpperCase(), PIN];
const PLANTED_BYTES = [...PLANTED_TEXT.map((text) => Buffer.from(text)), INSTALL_CODE];

describe('planted personal values', () => {
  it('leave no trace in logs, errors, telemetry or the files on disk', async () => {
    const dir = await tempDir('hub-leak-');
    const clock = new ManualClock(Date.UTC(2026, 4, 1, 9));
    const lines = new PassThrough();
    let logged = '';
    lines.on('data', (chunk) => (logged += String(chunk)));
    const log = createLogger({ destination: lines, level: 'trace' });
    const errors: string[] = [];
    const keep = (error: unknown) => errors.push(error instanceof Error ? `${error.message} ${String((error as { where?: string }).where)}` : String(error));

    const secureElement = await FileSecureElement.open({ stateDir: dir, owners: [GSME] });
    const store = await openStore({ path: dir, secureElement });
    const hubLogs = await openHubLogs(store, clock);
    const gpf = await GasProxyData.open(store);
    const deviceLog = await DeviceLog.open(store);
    const pins = await PinStore.open(store, { clock, securityLog: hubLogs.securityLog, scrypt: TEST_SCRYPT });

    await gpf.setMprn(MPRN);
    await gpf.recordDailyConsumption([{ day: '2026-04-30', consumption: CONSUMPTION }]);
    await deviceLog.add({ eui64: GSME, deviceType: 'GSME', installCode: INSTALL_CODE });
    await pins.set('engineering', PIN, { by: 'installation' }, 'cli');
    for (const wrong of ['111222', '333444', '555666']) await pins.verify('engineering', wrong, 'cli');

    // Refusals that see the planted values (or near misses of them).
    for (const attempt of [
      () => parseMpan(MPAN.slice(0, 12) + '0'),
      () => parseMprn(`${MPRN}x`),
      () => pins.set('engineering', PIN, { by: 'currentPin', pin: PIN }, 'cli'),
      () => pins.set('engineering', MPAN.slice(0, 8), { by: 'currentPin', pin: PIN }, 'cli'),
      () => gpf.setMprn(`${MPRN}0000000`),
      () => deviceLog.add({ eui64: GSME, deviceType: 'GSME', installCode: INSTALL_CODE.subarray(0, 15) }),
    ]) {
      try {
        await attempt();
      } catch (error) {
        keep(error);
        log.warn({ err: error }, 'refused');
      }
    }

    // What careless code would log.
    const mpan = redact(MPAN, 'meterPoint');
    log.info({ mpan: MPAN, premises: { gas: { meter: { mprn: await gpf.mprn() } } } }, `supply at ${mpan}`);
    log.debug({ device: deviceLog.get(GSME as never) }, 'device added');
    log.debug({ reads: await gpf.dailyConsumptionLog('supplier') }, 'reads');
    log.info({ engineeringPin: PIN, detail: { pin: PIN } }, 'pin');

    const telemetry = JSON.stringify(
      buildTelemetry({
        hub: GSME as never,
        now: clock.now(),
        uptimeMs: 1000,
        wan: { broker: 'mqtt://127.0.0.1:1883', protocol: '5', connected: true, connectedSince: clock.now(), reconnects: 0, lastError: { code: 'X', message: errors[0]! }, commandsReceived: 0, messagesDelivered: 0 },
        outbox: { depth: 0, bytes: 0, quota: { maxMessages: 1, maxBytes: 1 } as never, level: 'normal', refused: 0, expired: 0, oldestQueuedAt: undefined },
        health: { han: { devices: deviceLog.list().map((d) => ({ eui64: d.eui64, type: d.deviceType })) } },
      }),
    );
    const securityLog = JSON.stringify(await hubLogs.securityLog.newest());
    await new Promise((resolve) => setTimeout(resolve, 50));
    await deviceLog.close();
    await store.close();

    expect(errors.length).toBeGreaterThanOrEqual(5);
    expect(logged).toContain('[personal:meterPoint]');
    expect(securityLog).toContain('lockedForSeconds');
    for (const [where, text] of [['log output', logged], ['error messages', errors.join('\n')], ['telemetry', telemetry], ['security log', securityLog]] as const) {
      for (const value of PLANTED_TEXT) expect(text, `${value} in ${where}`).not.toContain(value);
    }
    const files = await filesUnder(dir);
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      for (const value of PLANTED_BYTES) expect(file.bytes.includes(value), `${value.toString('hex')} in ${file.name}`).toBe(false);
    }
  });
});
