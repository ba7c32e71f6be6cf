import { describe, expect, it } from 'vitest';
import { jsonCodec, openStore, type Migration } from '../../../src/store/index.js';
import { collect, storeRejection, tempDir } from './helpers.js';

/** Version 1 kept one record per device with a `type` string. */
interface DeviceV1 {
  type: string;
}
/** Version 2 names the field `deviceType`, adds a `status`, and keeps a device count in `counters`. */
interface DeviceV2 {
  deviceType: 'ESME' | 'GSME' | 'PPMID';
  status: 'whitelisted' | 'installed';
}

const devicesV1 = { name: 'devices', codec: jsonCodec<DeviceV1>() };
const devicesV2 = {
  name: 'devices',
  codec: jsonCodec<DeviceV2>((v): v is DeviceV2 => typeof v === 'object' && v !== null && 'deviceType' in v && 'status' in v),
};
const counters = { name: 'counters', codec: jsonCodec<number>() };

const v1: Migration = { version: 1, description: 'first schema', up: async () => undefined };

function v2(failAfterQueueing = false): Migration {
  return {
    version: 2,
    description: 'device records get deviceType and status',
    up: async ({ domain, batch }) => {
      const before = await domain(devicesV1);
      const after = await domain(devicesV2);
      let n = 0;
      for await (const [eui, old] of before.entries()) {
        batch.put(after, eui, { deviceType: old.type as DeviceV2['deviceType'], status: 'installed' });
        n++;
      }
      batch.put(await domain(counters), 'devices', n);
      if (failAfterQueueing) throw new Error('disk full while converting');
    },
  };
}

async function v1Store(): Promise<string> {
  const path = await tempDir();
  const store = await openStore({ path, migrations: [v1] });
  expect(store.schemaVersion).toBe(1);
  const devices = await store.domain(devicesV1);
  await devices.put('00DB1234567890A2', { type: 'ESME' });
  await devices.put('00DB1234567890A3', { type: 'GSME' });
  await store.close();
  return path;
}

describe('store migrations', () => {
  it('upgrades version 1 data to version 2 at open', async () => {
    const path = await v1Store();
    const store = await openStore({ path, migrations: [v1, v2()] });
    expect(store.schemaVersion).toBe(2);
    const devices = await store.domain(devicesV2);
    expect(await collect(devices.entries())).toEqual([
      ['00DB1234567890A2', { deviceType: 'ESME', status: 'installed' }],
      ['00DB1234567890A3', { deviceType: 'GSME', status: 'installed' }],
    ]);
    expect(await (await store.domain(counters)).get('devices')).toBe(2);
    await store.close();
  });

  it('runs each migration once', async () => {
    const path = await tempDir();
    let runs = 0;
    const counting: Migration = { version: 1, description: 'counted', up: async () => void runs++ };
    await (await openStore({ path, migrations: [counting] })).close();
    await (await openStore({ path, migrations: [counting] })).close();
    expect(runs).toBe(1);
  });

  it('leaves the store at the old version, data untouched, when a migration fails; the next open retries', async () => {
    const path = await v1Store();
    const error = await storeRejection(openStore({ path, migrations: [v1, v2(true)] }));
    expect(error.code).toBe('STORE_MIGRATION_FAILED');
    expect(error.message).toMatch(/version 2 \(device records get deviceType and status\) failed: disk full while converting; the store stays at version 1/);

    const still = await openStore({ path, migrations: [v1] });
    expect(still.schemaVersion).toBe(1);
    expect(await (await still.domain(devicesV1)).get('00DB1234567890A2')).toEqual({ type: 'ESME' });
    expect(await (await still.domain(counters)).get('devices')).toBeUndefined();
    await still.close();

    const fixed = await openStore({ path, migrations: [v1, v2()] });
    expect(fixed.schemaVersion).toBe(2);
    await fixed.close();
  });

  it('refuses data newer than the runtime, and a migration list with a gap', async () => {
    const path = await v1Store();
    await (await openStore({ path, migrations: [v1, v2()] })).close();
    const tooNew = await storeRejection(openStore({ path, migrations: [v1] }));
    expect(tooNew.code).toBe('STORE_SCHEMA_TOO_NEW');
    expect(tooNew.message).toMatch(/schema version 2 but this runtime knows only up to 1/);
    const gap = await storeRejection(openStore({ path, migrations: [v1, { ...v2(), version: 3 }] }));
    expect(gap.code).toBe('STORE_MIGRATION_FAILED');
    expect(gap.message).toMatch(/numbered 1, 2, 3/);
    // Neither refusal left the store locked.
    await (await openStore({ path, migrations: [v1, v2()] })).close();
  });
});
