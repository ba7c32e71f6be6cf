import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseCertificate } from '../../../src/security/certificates.js';
import { FileSecureElement } from '../../../src/security/file-secure-element.js';
import { SecurityCredentials, seedCredentialsFromKeystore, subjectKeyIdentifier } from '../../../src/security/credentials.js';
import { OriginatorCounters, ReplayError } from '../../../src/security/replay.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { describeRtds, RTDS_KEYSTORE } from '../../helpers/rtds.js';
import { readFileSync } from 'node:fs';

let dir: string;
let store: Store;
const open = () => openStore({ path: join(dir, 'db'), secureElement: { dataKey: async () => Buffer.alloc(32, 7) } });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-counters-'));
  store = await open();
});
afterEach(async () => {
  await store.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

const ACB = '90B3D51F30000002';

describeRtds('originator counters', () => {
  it('accept only a counter above the last accepted from that party, remembered across a restart', async () => {
    let counters = await OriginatorCounters.open(store);
    counters.check(ACB, 1n);
    await counters.accept(ACB, 10n);
    expect(() => counters.check(ACB, 10n)).toThrow(ReplayError);
    expect(() => counters.check(ACB, 9n)).toThrow(ReplayError);
    counters.check(ACB, 11n);
    counters.check('90B3D51F30010000', 1n); // another party has its own
    await store.close();
    store = await open();
    counters = await OriginatorCounters.open(store);
    expect(counters.lastAccepted(ACB)).toBe(10n);
    await expect(counters.accept(ACB, 10n)).rejects.toMatchObject({ code: 'REPLAYED', where: ACB });
    await counters.accept(ACB, (1n << 64n) - 1n);
    expect(counters.lastAccepted(ACB)).toBe((1n << 64n) - 1n);
  });

  it('of two racing commands with the same counter, accept exactly one', async () => {
    const counters = await OriginatorCounters.open(store);
    const results = await Promise.allSettled([counters.accept(ACB, 5n), counters.accept(ACB, 5n)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('hand out the hub\'s own counter strictly increasing, never reused after a restart (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), async (before, after) => {
        let counters = await OriginatorCounters.open(store);
        const start = counters.lastOwn;
        const seen: bigint[] = [];
        for (let i = 0; i < before; i++) seen.push(await counters.nextOwn());
        await store.close();
        store = await open();
        counters = await OriginatorCounters.open(store);
        for (let i = 0; i < after; i++) seen.push(await counters.nextOwn());
        expect(seen).toEqual(seen.map((_, i) => start + BigInt(i + 1)));
      }),
      { numRuns: 8 },
    );
  });

  it('put a counter back when its write fails, so the command can be sent again', async () => {
    const counters = await OriginatorCounters.open(store);
    await counters.accept(ACB, 7n);
    await store.close();
    await expect(counters.accept(ACB, 8n)).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    expect(counters.lastAccepted(ACB)).toBe(7n);
    counters.check(ACB, 8n);
  });

  it('write the counters of commands accepted together in one batch, each resolved once on disk', async () => {
    const counters = await OriginatorCounters.open(store);
    const parties = Array.from({ length: 12 }, (_, i) => `90B3D51F300100${i.toString(16).padStart(2, '0').toUpperCase()}`);
    await Promise.all(parties.map((party, i) => counters.accept(party, BigInt(i + 1))));
    await store.close();
    store = await open();
    const reopened = await OriginatorCounters.open(store);
    expect(parties.map((party) => reopened.lastAccepted(party))).toEqual(parties.map((_, i) => BigInt(i + 1)));
  });

  it('seed only moves the own counter forward', async () => {
    const counters = await OriginatorCounters.open(store);
    await counters.seed({ own: 3999n });
    await counters.seed({ own: 10n });
    expect(await counters.nextOwn()).toBe(4000n);
  });
});

describeRtds('Security Credentials', () => {
  const pem = (name: string) => readFileSync(join(RTDS_KEYSTORE, name), 'utf8');

  it('seed from a keystore: remote parties by role and the hub\'s own certificates, persisted across a restart', async () => {
    let credentials = await SecurityCredentials.open(store);
    const count = await seedCredentialsFromKeystore(credentials, RTDS_KEYSTORE, ['00DB1234567890A2', '00DB1234567890A3']);
    expect(count).toBeGreaterThan(10);
    expect(credentials.forRole('accessControlBroker', 'keyAgreement').map((c) => c.eui)).toEqual([ACB]);
    expect(credentials.roleOf('90B3D51F30020000')).toBe('networkOperator');
    // Other users' certificates are held so their role is known; other Devices' are not trust anchors.
    expect(credentials.roleOf('90B3D51F30010008')).toBe('otherUser');
    expect(credentials.forEui('00DB1234567890A0', 'keyAgreement')).toBeUndefined();
    expect(credentials.forEui('00DB1234567890A2', 'keyAgreement')).toBeDefined();
    expect(credentials.forRole('supplier', 'keyAgreement').every((c) => c.eui !== '00DB1234567890A2')).toBe(true);
    const listed = credentials.list().length;
    await store.close();
    store = await open();
    credentials = await SecurityCredentials.open(store);
    expect(credentials.list()).toHaveLength(listed);
  });

  it("install none of the hub's own certificates that certify a key its SecureElement does not hold", async () => {
    const credentials = await SecurityCredentials.open(store);
    const keys = await FileSecureElement.open({ stateDir: join(dir, 'keys') });
    const mismatched: string[] = [];
    const count = await seedCredentialsFromKeystore(credentials, RTDS_KEYSTORE, ['00DB1234567890A2', '00DB1234567890A3'], {
      ownKey: (eui, usage) => keys.publicKey(eui, usage),
      mismatched: (credential) => mismatched.push(`${credential.eui}/${credential.usage}`),
    });
    expect(count).toBeGreaterThan(10);
    expect(credentials.forEui('00DB1234567890A2', 'keyAgreement')).toBeUndefined();
    expect(credentials.forEui('00DB1234567890A3', 'digitalSigning')).toBeUndefined();
    expect(mismatched.sort()).toEqual(['00DB1234567890A2/digitalSigning', '00DB1234567890A2/keyAgreement', '00DB1234567890A3/digitalSigning', '00DB1234567890A3/keyAgreement']);
    expect(credentials.forRole('accessControlBroker', 'keyAgreement').map((c) => c.eui)).toEqual([ACB]);
  });

  it('refuse to trust a certificate whose role is not a trust anchor, and a missing keystore, by name', async () => {
    const credentials = await SecurityCredentials.open(store);
    await expect(credentials.install(parseCertificate(pem('00db1234567890a0-ds.pem')))).rejects.toMatchObject({ code: 'NOT_A_TRUST_ANCHOR' });
    await expect(seedCredentialsFromKeystore(credentials, join(dir, 'nope'), [])).rejects.toMatchObject({ code: 'NO_KEYSTORE' });
    expect(credentials.list()).toEqual([]);
  });

  it('replace: refused by a party that may not, all refused on a stale sequence number, nothing written either way', async () => {
    const credentials = await SecurityCredentials.open(store);
    await credentials.install(parseCertificate(pem('90b3d51f30010000-ds.pem')));
    const next = parseCertificate(pem('90b3d51f30030000-ds.pem'));
    const [refused] = await credentials.replace([{ role: 'supplier', next }], 'networkOperator', 1);
    expect(refused?.error?.code).toBe('NOT_AUTHORISED');
    expect(credentials.sequenceNumber('networkOperator')).toBe(0);
    const [done] = await credentials.replace([{ role: 'supplier', next }], 'supplier', 3);
    expect(done?.existing?.eui).toBe('90B3D51F30010000');
    await expect(credentials.replace([{ role: 'supplier', next }], 'supplier', 3)).rejects.toMatchObject({ code: 'STALE_SEQUENCE' });
    expect(credentials.forRole('supplier', 'digitalSigning').map((c) => c.eui)).toEqual(['90B3D51F30030000']);
  });

  it('replace: each anchor only by the parties its CS02b codes name, target by sender', async () => {
    const credentials = await SecurityCredentials.open(store);
    const supplier = parseCertificate(pem('90b3d51f30030000-ds.pem'));
    const transCoS = parseCertificate(pem('90b3d51f30000004-ds.pem'));
    // supplierByTransCoS, and the recovery key's any but the root; never a supplier over the transitional CoS.
    const [byTransCoS] = await credentials.replace([{ role: 'supplier', next: supplier }], 'transitionalCoS', 1);
    expect(byTransCoS?.replaced?.eui).toBe('90B3D51F30030000');
    const [bySupplier] = await credentials.replace([{ role: 'transitionalCoS', next: transCoS }], 'supplier', 1);
    expect(bySupplier?.error?.code).toBe('NOT_AUTHORISED');
    const [byRecovery] = await credentials.replace([{ role: 'transitionalCoS', next: transCoS }], 'recovery', 1);
    expect(byRecovery?.replaced?.role).toBe('transitionalCoS');
    const root = { ...transCoS, role: 'root' as const };
    const [rootByRecovery] = await credentials.replace([{ role: 'root', next: root }], 'recovery', 2);
    expect(rootByRecovery?.error?.code).toBe('NOT_AUTHORISED');
    expect(credentials.roleOf('90B3D51F30000004')).toBe('transitionalCoS');
  });

  it('hold the DCC\'s certificate in another role\'s cell until handover: the first replacement frees only that cell, across a restart', async () => {
    let credentials = await SecurityCredentials.open(store);
    await credentials.install(parseCertificate(pem('90b3d51f30000002-ds.pem')), { cells: ['networkOperator'] });
    await expect(credentials.install(parseCertificate(pem('90b3d51f30000002-ka.pem')), { cells: ['otherUser', 'nope' as never] })).rejects.toMatchObject({ code: 'NOT_A_TRUST_ANCHOR' });
    expect(credentials.roleOf(ACB)).toBe('accessControlBroker');
    expect(credentials.rolesOf(ACB)).toEqual(['accessControlBroker', 'networkOperator']);
    expect(credentials.forRole('networkOperator', 'digitalSigning').map((c) => c.eui)).toEqual([ACB]);
    await store.close();
    store = await open();
    credentials = await SecurityCredentials.open(store);
    expect(credentials.rolesOf(ACB)).toEqual(['accessControlBroker', 'networkOperator']);
    const operator = parseCertificate(pem('90b3d51f30020000-ds.pem'));
    const [handedOver] = await credentials.replace([{ role: 'networkOperator', next: operator }], 'networkOperator', 1);
    expect(handedOver?.existing?.eui).toBe(ACB);
    expect(credentials.forRole('networkOperator', 'digitalSigning').map((c) => c.eui)).toEqual(['90B3D51F30020000']);
    expect(credentials.forRole('accessControlBroker', 'digitalSigning').map((c) => c.eui)).toEqual([ACB]);
    expect(credentials.rolesOf(ACB)).toEqual(['accessControlBroker']);
    await store.close();
    store = await open();
    credentials = await SecurityCredentials.open(store);
    expect([credentials.rolesOf(ACB), credentials.rolesOf('90B3D51F30020000')]).toEqual([['accessControlBroker'], ['networkOperator']]);
  });

  it('keep a prepayment cell\'s Key Agreement certificate beside the management one, which MACs go on using', async () => {
    let credentials = await SecurityCredentials.open(store);
    await credentials.install(parseCertificate(pem('90b3d51f30000002-ka.pem')), { cells: ['supplier'] });
    const management = parseCertificate(pem('90b3d51f30010000-ka.pem'));
    const prepayment = parseCertificate(pem('90b3d51f30010000-pp-ka.pem'));
    const results = await credentials.replace([{ role: 'supplier', next: management }, { role: 'supplier', next: prepayment, cellUsage: 1 }], 'supplier', 1);
    // Both report the ACB's certificate the cells held before handover.
    expect(results.map((result) => result.existing?.eui)).toEqual([ACB, ACB]);
    const id = (credential: { der: Buffer } | undefined) => credential && subjectKeyIdentifier(credential.der)?.toString('hex');
    await store.close();
    store = await open();
    credentials = await SecurityCredentials.open(store);
    expect(id(credentials.forEui('90B3D51F30010000', 'keyAgreement'))).toBe(id(management));
    expect(credentials.forRole('supplier', 'keyAgreement').map(id)).toEqual([id(management)]);
    expect(credentials.rolesOf(ACB)).toEqual(['accessControlBroker']);
  });

  it('read the 8-byte Subject Key Identifier GB certificates carry', () => {
    const der = parseCertificate(pem('90b3d51f30010000-ka.pem')).der;
    expect(subjectKeyIdentifier(der)?.length).toBe(8);
    expect(subjectKeyIdentifier(Buffer.from('3000', 'hex'))).toBeUndefined();
  });
});
