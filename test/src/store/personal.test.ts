import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Level } from 'level';
import { describe, expect, it } from 'vitest';
import { Sealer } from '../../../src/store/sealing.js';
import { jsonCodec, openStore, StoreError, utf8Codec, type DomainSpec } from '../../../src/store/index.js';
import { collect, dataKeyOf, filesUnder, storeRejection, tempDir } from './helpers.js';

const MPRN = '0007654321';
const CONSUMPTION = '12345.678';
const INSTALL_CODE = '83FED3407A939723A5C639B26916D505C3B5';

interface GasMeter {
  mprn: string;
  consumption: number;
  installCode: string;
}

const gasMeters: DomainSpec<GasMeter> = { name: 'gpf', codec: jsonCodec<GasMeter>(), personal: true, hashKeys: true };
const readings: DomainSpec<string> = { name: 'readings', codec: utf8Codec, personal: true };
const meter: GasMeter = { mprn: MPRN, consumption: Number(CONSUMPTION), installCode: INSTALL_CODE };

/** Every way a planted value could show up in a file: as text, hex (either case), base64, and raw bytes. */
function encodings(): Array<{ what: string; bytes: Buffer }> {
  const out: Array<{ what: string; bytes: Buffer }> = [];
  for (const text of [MPRN, CONSUMPTION, INSTALL_CODE]) {
    const utf8 = Buffer.from(text, 'utf8');
    out.push({ what: `${text} as text`, bytes: utf8 });
    out.push({ what: `${text} as hex`, bytes: Buffer.from(utf8.toString('hex')) });
    out.push({ what: `${text} as HEX`, bytes: Buffer.from(utf8.toString('hex').toUpperCase()) });
    out.push({ what: `${text} as base64`, bytes: Buffer.from(utf8.toString('base64').replace(/=+$/, '')) });
  }
  const installBytes = Buffer.from(INSTALL_CODE, 'hex');
  out.push({ what: 'install code bytes', bytes: installBytes });
  out.push({ what: 'install code bytes as base64', bytes: Buffer.from(installBytes.toString('base64').replace(/=+$/, '')) });
  return out;
}

async function plantedFindings(dir: string): Promise<string[]> {
  const findings: string[] = [];
  for (const file of await filesUnder(dir)) {
    for (const { what, bytes } of encodings()) if (file.bytes.includes(bytes)) findings.push(`${what} in ${file.name}`);
  }
  return findings;
}

async function plant(path: string, personal: boolean): Promise<void> {
  const store = await openStore({ path, secureElement: dataKeyOf() });
  const meters = await store.domain({ ...gasMeters, personal, hashKeys: personal });
  const values = await store.domain({ ...readings, personal });
  for (let i = 0; i < 50; i++) await meters.put(i === 0 ? MPRN : `other-${i}`, meter);
  await values.put('latest', CONSUMPTION);
  await store.batch().put(values, 'code', INSTALL_CODE).put(meters, MPRN, meter).write();
  await store.close();
}

/** Change one stored value behind the store's back, through LevelDB itself. */
async function rewriteRaw(path: string, domain: string, change: (get: (key: string) => Promise<Uint8Array | undefined>) => Promise<Array<[string, Uint8Array]>>): Promise<void> {
  const db = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' });
  const sub = db.sublevel<string, Uint8Array>(domain, { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  for (const [key, value] of await change((key) => sub.get(key))) await sub.put(key, value);
  await db.close();
}

describe('personal domains', () => {
  it('leave no planted personal value on disk in text, hex or base64, while a plain domain does', async () => {
    const sealed = await tempDir();
    await plant(sealed, true);
    expect((await filesUnder(sealed)).length).toBeGreaterThan(2);
    expect(await plantedFindings(sealed)).toEqual([]);

    // The scan must be able to see them: the same data in plain domains is found.
    const plain = await tempDir();
    await plant(plain, false);
    const found = await plantedFindings(plain);
    expect(found.some((f) => f.startsWith(`${MPRN} as text`))).toBe(true);
    expect(found.some((f) => f.startsWith(`${INSTALL_CODE} as text`))).toBe(true);
  });

  it('reads values back by their natural key while storing only keyed hashes', async () => {
    const key = randomBytes(32);
    const store = await openStore({ path: await tempDir(), secureElement: dataKeyOf(key) });
    const meters = await store.domain(gasMeters);
    await meters.put(MPRN, meter);
    expect(await meters.get(MPRN)).toEqual(meter);
    expect(await meters.has('0007654322')).toBe(false);
    const stored = await collect(meters.keys());
    expect(stored).toEqual([meters.storedKey(MPRN)]);
    expect(stored[0]).toMatch(/^[0-9a-f]{64}$/);
    // Bound to the domain and the data key: the same MPRN elsewhere hashes differently.
    const other = await store.domain({ ...gasMeters, name: 'gpfHistory' });
    expect(other.storedKey(MPRN)).not.toBe(meters.storedKey(MPRN));
    await store.close();
    const elsewhere = await openStore({ path: await tempDir(), secureElement: dataKeyOf() });
    expect((await elsewhere.domain(gasMeters)).storedKey(MPRN)).not.toBe(stored[0]);
    await elsewhere.close();
  });

  it('never puts a hashed key in an error message', async () => {
    const store = await openStore({ path: await tempDir(), secureElement: dataKeyOf() });
    const meters = await store.domain(gasMeters);
    const error = await storeRejection(meters.put(MPRN, undefined as unknown as GasMeter));
    expect(error.code).toBe('STORE_BAD_VALUE');
    expect(error.message).not.toContain(MPRN);
    expect(error.where).toBe(`gpf/${meters.storedKey(MPRN)}`);
    await store.close();
  });

  it('detects a changed, truncated, moved or unencrypted value as tampering', async () => {
    const path = await tempDir();
    const dataKey = dataKeyOf();
    const store = await openStore({ path, secureElement: dataKey });
    const values = await store.domain(readings);
    const copy = await store.domain({ ...readings, name: 'readingsCopy' });
    for (const key of ['flipped', 'truncated', 'source', 'target', 'plain']) await values.put(key, CONSUMPTION);
    await copy.put('source', CONSUMPTION);
    await store.close();

    await rewriteRaw(path, 'readings', async (get) => {
      const flipped = Buffer.from((await get('flipped'))!);
      flipped[flipped.length - 1]! ^= 0x01;
      return [
        ['flipped', flipped],
        ['truncated', (await get('truncated'))!.subarray(0, 20)],
        ['target', (await get('source'))!],
        ['plain', Buffer.from(CONSUMPTION)],
      ];
    });
    await rewriteRaw(path, 'readingsCopy', async (get) => [['moved', (await get('source'))!]]);

    const reopened = await openStore({ path, secureElement: dataKey });
    const again = await reopened.domain(readings);
    for (const key of ['flipped', 'truncated', 'target', 'plain']) {
      const error = await storeRejection(again.get(key));
      expect(error.code).toBe('STORE_TAMPERED');
      expect(error.where).toBe(`readings/${key}`);
    }
    expect(await again.get('source')).toBe(CONSUMPTION);
    const error = await storeRejection((await reopened.domain({ ...readings, name: 'readingsCopy' })).get('moved'));
    expect(error.code).toBe('STORE_TAMPERED');
    await reopened.close();
  });

  it('rejects any change to a sealed value instead of decrypting garbage', () => {
    const sealer = new Sealer(randomBytes(32));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (plaintext, at, mask) => {
        const sealed = sealer.seal('readings', 'k', plaintext);
        expect(sealer.open('readings', 'k', sealed).equals(Buffer.from(plaintext))).toBe(true);
        const changed = Buffer.from(sealed);
        changed[at % changed.length]! ^= mask;
        expect(() => sealer.open('readings', 'k', changed)).toThrowError(StoreError);
        expect(() => sealer.open('readings', 'k2', sealed)).toThrowError(/failed authentication/);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a store opened with a different data key, and a personal domain without one', async () => {
    const path = await tempDir();
    const store = await openStore({ path, secureElement: dataKeyOf() });
    await (await store.domain(readings)).put('k', CONSUMPTION);
    await store.close();
    expect((await storeRejection(openStore({ path, secureElement: dataKeyOf() }))).code).toBe('STORE_WRONG_DATA_KEY');
    const keyless = await openStore({ path });
    expect((await storeRejection(keyless.domain(readings))).code).toBe('STORE_NO_DATA_KEY');
    await keyless.close();
  });

  it('keeps a domain personal for life: declaring it plain later is refused', async () => {
    const path = await tempDir();
    const dataKey = dataKeyOf();
    const store = await openStore({ path, secureElement: dataKey });
    await (await store.domain(readings)).put('k', CONSUMPTION);
    const error = await storeRejection(store.domain({ ...readings, personal: false }));
    expect(error.code).toBe('STORE_DOMAIN');
    expect((await storeRejection(store.domain({ name: 'x', codec: utf8Codec, hashKeys: true }))).code).toBe('STORE_DOMAIN');
    await store.close();
    const reopened = await openStore({ path, secureElement: dataKey });
    expect((await storeRejection(reopened.domain({ ...readings, personal: false }))).code).toBe('STORE_DOMAIN');
    expect(await (await reopened.domain(readings)).get('k')).toBe(CONSUMPTION);
    await reopened.close();
  });
});
