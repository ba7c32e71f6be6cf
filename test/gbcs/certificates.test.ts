import { createPrivateKey, createPublicKey, diffieHellman, verify } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { CertificateError, parseCertificate } from '../../src/security/certificates.js';
import { loadRtdsKeystore, SecureElementError, type RtdsKeystore } from '../../src/security/rtds-secure-element.js';
import { describeRtds, RTDS_KEYSTORE } from '../helpers/rtds.js';

const CHF = '00DB1234567890A2';
const ACB = '90B3D51F30000002';
const SUPPLIER = '90B3D51F30010000';

describeRtds('certificates and the RTDS secure element', () => {
  let keystore: RtdsKeystore;
  beforeAll(async () => {
    keystore = await loadRtdsKeystore(RTDS_KEYSTORE);
  });

  it('reads EUI, usage and role from every certificate, agreeing with the file names', () => {
    const files = readdirSync(RTDS_KEYSTORE).filter((name) => /^[0-9a-f]{16}-(ds|ka)\.pem$/.test(name));
    let parsed = 0;
    for (const name of files) {
      const text = readFileSync(join(RTDS_KEYSTORE, name), 'utf8');
      if (!text.includes('BEGIN CERTIFICATE')) continue;
      const credential = parseCertificate(text, name);
      const namedFor = name.slice(0, 16).toUpperCase();
      if (credential.eui !== namedFor) {
        // The RTDS ships 90b3d51f30000007-ka.pem as a copy of another party's certificate; the
        // certificate, not the file name, says whose key it is.
        const original = `${credential.eui.toLowerCase()}-${name.slice(17)}`;
        expect(text, `${name} names ${credential.eui}`).toBe(readFileSync(join(RTDS_KEYSTORE, original), 'utf8'));
      }
      expect(credential.usage, name).toBe(name.includes('-ds') ? 'digitalSigning' : 'keyAgreement');
      expect(credential.role === undefined, name).toBe(name.startsWith('00db'));
      parsed += 1;
    }
    expect(parsed).toBeGreaterThan(300);
  });

  it('gives remote parties the roles their OU names', () => {
    const role = (eui: string, usage: 'digitalSigning' | 'keyAgreement' = 'digitalSigning') => keystore.trustStore.forEui(eui, usage)?.role;
    expect(role(ACB, 'keyAgreement')).toBe('accessControlBroker');
    // The OU is GBCS's RemotePartyRole code: the parties that originate the RTDS CS02b vectors
    // (recovery: anyExceptAbnormalRootByRecovery; transitional CoS: supplierByTransCoS; WAN
    // provider: wanProviderByWanProvider) bear it out, whatever the shared RTDS notes call them.
    expect(role('90B3D51F30000001')).toBe('recovery');
    expect(role('90B3D51F30000004')).toBe('transitionalCoS');
    expect(role('90B3D51F30000007')).toBe('wanProvider');
    expect(role('90B3D51F30010008')).toBe('otherUser');
    expect(role(SUPPLIER)).toBe('supplier');
    expect(role('90B3D51F30020000')).toBe('networkOperator');
    expect(keystore.trustStore.forRole('accessControlBroker', 'keyAgreement').map((held) => held.eui)).toEqual([ACB]);
  });

  it('refuses what is not a certificate', () => {
    expect(() => parseCertificate('nonsense', 'x.pem')).toThrowError(CertificateError);
    const bareKey = readFileSync(join(RTDS_KEYSTORE, 'fffffffffffffffe-ka.pem'), 'utf8');
    expect(() => parseCertificate(bareKey, 'fffffffffffffffe-ka.pem')).toThrowError(/fffffffffffffffe-ka\.pem: not an X\.509 certificate/);
  });

  it('mirrors the hub side of ECDH with the remote party private key', async () => {
    const acbPrivate = createPrivateKey(readFileSync(join(RTDS_KEYSTORE, '90b3d51f30000002-ka.key'), 'utf8'));
    const acbPublic = keystore.trustStore.forEui(ACB, 'keyAgreement')!.publicKeyDer;
    const chfPublic = createPublicKey(readFileSync(join(RTDS_KEYSTORE, '00db1234567890a2-ka.pem'), 'utf8'));
    const secret = await keystore.secureElement.ecdh(CHF, acbPublic);
    expect(secret).toEqual(diffieHellman({ privateKey: acbPrivate, publicKey: chfPublic }));
    expect(secret).toHaveLength(32);

    const fresh = await keystore.secureElement.generateKeyPair(CHF, 'keyAgreement');
    const afterRekey = await keystore.secureElement.ecdh(CHF, acbPublic);
    expect(afterRekey).toEqual(diffieHellman({ privateKey: acbPrivate, publicKey: createPublicKey({ key: fresh, format: 'der', type: 'spki' }) }));
    expect(await keystore.secureElement.publicKey(CHF, 'keyAgreement')).toEqual(fresh);
  });

  it('signs only with keys it holds', async () => {
    const data = Buffer.from('grouping header');
    const signature = await keystore.secureElement.sign(SUPPLIER, 'digitalSigning', data);
    const supplierKey = keystore.trustStore.forEui(SUPPLIER, 'digitalSigning')!.publicKeyDer;
    expect(verify('sha256', data, { key: supplierKey, format: 'der', type: 'spki', dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
    await expect(keystore.secureElement.sign('00DB1234567890A3', 'digitalSigning', data)).rejects.toMatchObject({ code: 'NO_PRIVATE_KEY' });
    const meterKa = keystore.trustStore.forEui('00DB1234567890A0', 'keyAgreement')!.publicKeyDer;
    await expect(keystore.secureElement.ecdh('00DB1234567890A3', meterKa)).rejects.toBeInstanceOf(SecureElementError);
  });

  it('names a keystore folder it cannot read', async () => {
    await expect(loadRtdsKeystore('/nonexistent/keystore')).rejects.toMatchObject({ code: 'NO_KEYSTORE', where: '/nonexistent/keystore' });
  });
});
