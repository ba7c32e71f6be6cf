import { createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_PARTIES, ensureDemoHeadEnd, readDemoHeadEnd } from '../../../src/headend/demo-keys.js';

describe('the demo head end keys', () => {
  it('are made once, owner-only, and two makers at once end with the same keys', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'headend-keys-')), 'headend');
    const [a, b, c] = await Promise.all([ensureDemoHeadEnd(dir), ensureDemoHeadEnd(dir), ensureDemoHeadEnd(dir)]);
    const der = (party: typeof a) => party.accessControlBroker.certificates.keyAgreement.der.toString('hex');
    expect(der(b)).toBe(der(a));
    expect(der(c)).toBe(der(a));
    expect(der((await readDemoHeadEnd(dir))!)).toBe(der(a));
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'parties.json'))).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['parties.json']);
  });

  it('certify each key for its party, role and usage as the hub reads certificates, checked by node:crypto', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'headend-keys-')), 'headend');
    const headEnd = await ensureDemoHeadEnd(dir);
    const expected = { accessControlBroker: 'accessControlBroker', supplier: 'supplier' } as const;
    for (const name of ['accessControlBroker', 'supplier'] as const) {
      const party = headEnd[name];
      expect(party.eui).toBe(DEMO_PARTIES[name].eui);
      for (const usage of ['digitalSigning', 'keyAgreement'] as const) {
        const certificate = party.certificates[usage];
        expect(certificate).toMatchObject({ eui: party.eui, usage, role: expected[name] });
        const ownKey = createPublicKey(party.keys[usage]).export({ type: 'spki', format: 'der' });
        expect(certificate.publicKeyDer.equals(ownKey)).toBe(true);
        const x509 = new X509Certificate(certificate.der);
        expect(x509.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
        expect(x509.checkIssued(x509)).toBe(false);
      }
    }
  });
});
