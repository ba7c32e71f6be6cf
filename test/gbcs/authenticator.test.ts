import { createPublicKey, diffieHellman, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  GbcsAuthenticator,
  GbcsError,
  computeMac,
  decodeMessage,
  deriveKey,
  encodeMessage,
  kdfOtherInfo,
  signedPart,
  type GbcsMessage,
} from '../../src/gbcs/index.js';
import { TrustStore, type Credential, type RemotePartyRole } from '../../src/security/certificates.js';
import type { KeyUsage, SecureElement } from '../../src/security/secure-element.js';
import { sampleCommand } from './sample.js';

const CHF = '00DB1234567890A2';
const ACB = '90B3D51F30000002';
const SUPPLIER = '90B3D51F30010000';

/** A secure element over freshly generated keys: real ECDH and ECDSA, nothing from the RTDS. */
class GeneratedSecureElement implements SecureElement {
  readonly keys = new Map<string, KeyObject>();
  key(owner: string, usage: KeyUsage): KeyObject {
    const slot = `${owner}/${usage}`;
    if (!this.keys.has(slot)) this.keys.set(slot, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    return this.keys.get(slot)!;
  }
  async publicKey(owner: string, usage: KeyUsage) {
    return spki(this.key(owner, usage));
  }
  async ecdh(owner: string, peer: Buffer) {
    return diffieHellman({ privateKey: this.key(owner, 'keyAgreement'), publicKey: createPublicKey({ key: peer, format: 'der', type: 'spki' }) });
  }
  async sign(owner: string, usage: KeyUsage, data: Buffer) {
    return sign('sha256', data, { key: this.key(owner, usage), dsaEncoding: 'ieee-p1363' });
  }
  async generateKeyPair(owner: string, usage: KeyUsage) {
    this.keys.delete(`${owner}/${usage}`);
    return spki(this.key(owner, usage));
  }
  async dataKey() {
    return Buffer.alloc(32);
  }
}

function spki(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: 'spki', format: 'der' });
}

function credential(eui: string, usage: KeyUsage, key: KeyObject, role?: RemotePartyRole): Credential {
  const now = new Date();
  return { eui, usage, ...(role ? { role } : {}), subject: '', issuer: '', serialNumber: '01', validFrom: now, validTo: now, publicKeyDer: spki(key), der: Buffer.alloc(0) };
}

/** The hub's secure element, and the remote parties' own keys as they would hold them. */
function world() {
  const hub = new GeneratedSecureElement();
  const remote = new GeneratedSecureElement();
  const trust = new TrustStore();
  trust.add(credential(ACB, 'keyAgreement', remote.key(ACB, 'keyAgreement'), 'accessControlBroker'));
  trust.add(credential(SUPPLIER, 'keyAgreement', remote.key(SUPPLIER, 'keyAgreement'), 'supplier'));
  trust.add(credential(SUPPLIER, 'digitalSigning', remote.key(SUPPLIER, 'digitalSigning'), 'supplier'));
  const authenticator = new GbcsAuthenticator({ secureElement: hub, credentials: trust, ownDevices: [CHF] });
  /** What a remote party computes on its side: ECDH with its own private key and the hub's public key. */
  const remoteKey = async (party: string, message: GbcsMessage) => {
    const secret = await remote.ecdh(party, await hub.publicKey(CHF, 'keyAgreement'));
    const { header } = message;
    return deriveKey(secret, { originator: header.originator, kind: header.cra, counter: header.originatorCounter, recipient: header.recipient });
  };
  const macByAcb = async (message: GbcsMessage) => encodeMessage({ ...message, mac: computeMac(await remoteKey(ACB, message), message) });
  return { hub, remote, trust, authenticator, remoteKey, macByAcb };
}

describe('GBCS key derivation', () => {
  it('builds the 33-byte other info: algorithm id, originator, transaction id, recipient', () => {
    const info = kdfOtherInfo({ originator: ACB, kind: 'command', counter: 0x0516n, recipient: CHF });
    expect(info.toString('hex')).toBe('60857406080300' + '90b3d51f30000002' + '0901' + '0000000000000516' + '00db1234567890a2');
    expect(kdfOtherInfo({ originator: CHF, kind: 'alert', counter: 1n, recipient: ACB }).subarray(15, 17).toString('hex')).toBe('0903');
  });
});

describe('GbcsAuthenticator', () => {
  it('accepts a command the Access Control Broker MACed for the hub', async () => {
    const { authenticator, macByAcb } = world();
    const bytes = await macByAcb(sampleCommand());
    const { message, signatureVerified } = await authenticator.authenticate(bytes);
    expect(message.header.messageCode).toBe(0x0001);
    expect(signatureVerified).toBe(false);
  });

  it('refuses a changed payload, a MAC from another key, and a message with no MAC header', async () => {
    const { authenticator, macByAcb } = world();
    const bytes = await macByAcb(sampleCommand());
    const changed = decodeMessage(bytes);
    changed.payload[0]! ^= 1;
    await expect(authenticator.authenticate(encodeMessage(changed))).rejects.toMatchObject({ code: 'MAC_INVALID', where: 'MAC' });
    await expect(world().authenticator.authenticate(bytes)).rejects.toMatchObject({ code: 'MAC_INVALID' });
    const { macHeader: _h, mac: _m, ...bare } = sampleCommand();
    await expect(authenticator.authenticate(encodeMessage(bare))).rejects.toMatchObject({ code: 'MAC_INVALID' });
  });

  it('names the missing credential when no Access Control Broker is trusted', async () => {
    const { hub, macByAcb } = world();
    const bytes = await macByAcb(sampleCommand());
    const lonely = new GbcsAuthenticator({ secureElement: hub, credentials: new TrustStore() });
    await expect(lonely.authenticate(bytes)).rejects.toMatchObject({ code: 'NO_CREDENTIAL' });
  });

  it('wants the supplier signature on a critical command and checks it', async () => {
    const { authenticator, remote, macByAcb } = world();
    const critical = sampleCommand({ originator: SUPPLIER, messageCode: 0x0012, supplementary: undefined });
    delete critical.header.supplementary;
    await expect(authenticator.authenticate(await macByAcb(critical))).rejects.toMatchObject({ code: 'SIGNATURE_MISSING' });

    const signature = await remote.sign(SUPPLIER, 'digitalSigning', signedPart(critical));
    const signed = { ...critical, signature };
    await expect(authenticator.authenticate(await macByAcb(signed))).resolves.toMatchObject({ signatureVerified: true });

    const forged = { ...critical, signature: await new GeneratedSecureElement().sign(SUPPLIER, 'digitalSigning', signedPart(critical)) };
    await expect(authenticator.authenticate(await macByAcb(forged))).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('seals a response the remote party can check with its own key', async () => {
    const { authenticator, remoteKey } = world();
    const response: GbcsMessage = { ...sampleCommand({ cra: 'response', originator: CHF, recipient: SUPPLIER }), signature: 'empty' };
    const sealed = decodeMessage(await authenticator.seal({ header: response.header, payload: response.payload, signature: 'empty' }));
    expect(sealed.mac).toEqual(computeMac(await remoteKey(SUPPLIER, sealed), sealed));
    await expect(authenticator.verifyMac(sealed)).resolves.toBeUndefined();
  });

  it('refuses to seal for a recipient whose Key Agreement certificate it lacks', async () => {
    const { authenticator } = world();
    const alert = sampleCommand({ cra: 'alert', originator: CHF, recipient: '90B3D51F30020000' });
    await expect(authenticator.seal(alert)).rejects.toThrowError(GbcsError);
    await expect(authenticator.seal(alert)).rejects.toMatchObject({ code: 'NO_CREDENTIAL', where: '90B3D51F30020000' });
  });

  it('signs as the hub through the secure element', async () => {
    const { authenticator, hub } = world();
    const alert = sampleCommand({ cra: 'alert', originator: CHF, recipient: ACB, messageCode: 0x0128 });
    const signature = await authenticator.sign(alert);
    await expect(authenticator.verifySignature({ ...alert, signature })).resolves.toBe(true);
    await hub.generateKeyPair(CHF, 'digitalSigning');
    await expect(authenticator.verifySignature({ ...alert, signature })).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('takes a signing key from the secure element only for the hub\'s own Devices, never for a remote party', async () => {
    const { hub, trust } = world();
    const critical = sampleCommand({ originator: SUPPLIER, messageCode: 0x0012 });
    delete critical.header.supplementary;
    // A secure element that can sign as the supplier (as the RTDS keystore can) and answer for its key.
    const signed = { ...critical, signature: await hub.sign(SUPPLIER, 'digitalSigning', signedPart(critical)) };
    const untrusting = new TrustStore();
    for (const held of trust.all()) if (held.usage !== 'digitalSigning') untrusting.add(held);
    const strict = new GbcsAuthenticator({ secureElement: hub, credentials: untrusting, ownDevices: [CHF] });
    await expect(strict.verifySignature(signed)).rejects.toMatchObject({ code: 'NO_CREDENTIAL', where: SUPPLIER });
    const unnamed = new GbcsAuthenticator({ secureElement: hub, credentials: untrusting });
    await expect(unnamed.verifySignature(signed)).rejects.toMatchObject({ code: 'NO_CREDENTIAL' });
    const ownAlert = sampleCommand({ cra: 'alert', originator: CHF, recipient: ACB, messageCode: 0x0128 });
    await expect(unnamed.verifySignature({ ...ownAlert, signature: await unnamed.sign(ownAlert) })).rejects.toMatchObject({ code: 'NO_CREDENTIAL' });
  });
});
