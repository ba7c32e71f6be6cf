import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { fromUnifiedBackup, toUnifiedBackup } from 'zigbee-herdsman/dist/utils/backup.js';
import type { UnifiedBackupStorage } from 'zigbee-herdsman/dist/models/backup-storage-unified.js';
import { backupNetwork, restoreNetwork } from '../../../src/cli/network.js';
import { fromCoordinatorBackup, NetworkBackupError, toCoordinatorBackup } from '../../../src/han/network-backup.js';
import { NetworkIdentity, type StoredIdentity } from '../../../src/han/network-identity.js';
import { FileSecureElement } from '../../../src/security/file-secure-element.js';
import { openStore } from '../../../src/store/index.js';

/** `hub network backup|restore` against zigbee-herdsman's own reader and writer of the same format. */

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const IDENTITY: StoredIdentity = {
  channel: 15, panId: 0x1a62, extendedPanId: '00DB1234567890FF', networkKey: randomBytes(16).toString('hex'),
  sequenceNumber: 3, frameCounter: 123_456, coordinator: '00DB123456789000',
};

/** A store with its key file, as the hub leaves it; `identity` is open until `close` (then the CLI may open the store). */
async function identityInTempStore(): Promise<{ identity: NetworkIdentity; dir: string; storePath: string; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'network-backup-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const storePath = join(dir, 'state');
  const store = await openStore({ path: storePath, secureElement: await FileSecureElement.open({ stateDir: storePath }) });
  let open = true;
  const close = async () => {
    if (open) await store.close();
    open = false;
  };
  cleanups.push(close);
  return { identity: await NetworkIdentity.open(store), dir, storePath, close };
}

async function storedIn(storePath: string): Promise<StoredIdentity | undefined> {
  const store = await openStore({ path: storePath, secureElement: await FileSecureElement.open({ stateDir: storePath }) });
  try {
    return await (await NetworkIdentity.open(store)).stored();
  } finally {
    await store.close();
  }
}

describe('the coordinator backup', () => {
  it('is read by zigbee-herdsman as the network the hub keeps', () => {
    const read = fromUnifiedBackup(toCoordinatorBackup(IDENTITY, 'test', new Date(0)) as unknown as UnifiedBackupStorage);
    expect(read.networkOptions.panId).toBe(IDENTITY.panId);
    expect(read.networkOptions.extendedPanId.toString('hex').toUpperCase()).toBe(IDENTITY.extendedPanId);
    expect(read.networkOptions.networkKey.toString('hex')).toBe(IDENTITY.networkKey);
    expect(read.logicalChannel).toBe(IDENTITY.channel);
    expect(read.networkKeyInfo).toEqual({ sequenceNumber: IDENTITY.sequenceNumber, frameCounter: IDENTITY.frameCounter });
    expect(read.coordinatorIeeeAddress.toString('hex').toUpperCase()).toBe(IDENTITY.coordinator);
  });

  it('written by zigbee-herdsman is read back as the same network', () => {
    const written = toUnifiedBackup({
      networkOptions: { panId: 0x2bcd, extendedPanId: Buffer.from('dddddddddddddddd', 'hex'), channelList: [20], networkKey: Buffer.from(IDENTITY.networkKey, 'hex'), networkKeyDistribute: false },
      logicalChannel: 20, networkKeyInfo: { sequenceNumber: 0, frameCounter: 99 }, securityLevel: 5, networkUpdateId: 0,
      coordinatorIeeeAddress: Buffer.from('00124b0012345678', 'hex'), devices: [], ezsp: { version: 13 },
    });
    expect(fromCoordinatorBackup(JSON.parse(JSON.stringify(written)))).toEqual({
      channel: 20, panId: 0x2bcd, extendedPanId: 'DDDDDDDDDDDDDDDD', networkKey: IDENTITY.networkKey, sequenceNumber: 0, frameCounter: 99, coordinator: '00124B0012345678',
    });
  });

  it('names the field that is wrong, and nothing but a NetworkBackupError comes out of any JSON', () => {
    const good = toCoordinatorBackup(IDENTITY, 'test', new Date(0));
    const bad = (change: object) => () => fromCoordinatorBackup({ ...good, ...change });
    expect(bad({ channel: 27 })).toThrow(expect.objectContaining({ code: 'NETWORK_BACKUP_INVALID', where: 'channel' }));
    expect(bad({ network_key: { ...good.network_key, key: 'abcd' } })).toThrow(expect.objectContaining({ where: 'network_key.key' }));
    expect(bad({ pan_id: 'ffff' })).toThrow(expect.objectContaining({ where: 'pan_id' }));
    expect(bad({ metadata: { ...good.metadata, version: 2 } })).toThrow(expect.objectContaining({ where: 'metadata.version' }));
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      try {
        fromCoordinatorBackup(value);
      } catch (error) {
        if (!(error instanceof NetworkBackupError)) throw error;
      }
    }));
  });

  it('goes to a file only its owner can read, says nothing of the key, and is restored into another store', async () => {
    const from = await identityInTempStore();
    await from.identity.replace(IDENTITY);
    await from.close();
    const file = join(from.dir, 'network.json');
    const said = await backupNetwork({ storePath: from.storePath }, file);
    expect(said).not.toContain(IDENTITY.networkKey);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ metadata: { format: 'zigpy/open-coordinator-backup', version: 1 } });

    const to = await identityInTempStore();
    await to.close();
    expect(await restoreNetwork({ storePath: to.storePath }, file)).not.toContain(IDENTITY.networkKey);
    expect(await storedIn(to.storePath)).toEqual(IDENTITY);
  });

  it('refuses a backup of a hub that has no network, and an unreadable file, leaving the store as it was', async () => {
    const { dir, storePath, close } = await identityInTempStore();
    await close();
    await expect(backupNetwork({ storePath }, join(dir, 'none.json'))).rejects.toMatchObject({ code: 'NETWORK_NOT_FORMED' });
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"metadata":');
    await expect(restoreNetwork({ storePath }, broken)).rejects.toMatchObject({ code: 'NETWORK_BACKUP_UNREADABLE', where: broken });
    expect(await storedIn(storePath)).toBeUndefined();
  });
});
