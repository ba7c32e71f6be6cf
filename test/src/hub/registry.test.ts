import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Eui64 } from '../../../hal/radio.js';
import { CHF_HANDLERS } from '../../../src/chf/use-cases/index.js';
import { ALL_HANDLERS } from '../../../src/hub/handlers.js';
import { defineHandler, HandlerRegistry } from '../../../src/use-case/registry.js';
import { certificateRolesFor, CREDENTIAL_UPDATE_ROLES, SERVICE_ROLES, USE_CASE_SERVICE } from '../../../src/security/role-policy.js';
import { SecretCachingSecureElement } from '../../../src/hub/secret-cache.js';
import { messageCodeEntry } from '../../../src/gbcs/index.js';
import type { KeyUsage, SecureElement } from '../../../src/security/secure-element.js';

const handle = async () => ({ payload: Buffer.alloc(0) });

describe('handler definitions and the registry', () => {
  it('take codes, criticality and roles from the tables', () => {
    const ccs06 = defineHandler({ useCase: 'CCS06', device: 'CHF', handle });
    expect(ccs06).toMatchObject({ messageCodes: [0x010f], critical: false, allowedRoles: ['supplier', 'otherUser'] });
    const cs06 = defineHandler({ useCase: 'CS06', device: 'CHF', handle });
    // The alert code 0x00CA is not a command code.
    expect(cs06).toMatchObject({ messageCodes: [0x0012], critical: true });
    expect(() => defineHandler({ useCase: 'NOPE', device: 'CHF', handle })).toThrow(expect.objectContaining({ code: 'NO_MESSAGE_CODE', where: 'NOPE' }));
  });

  it('refuse two handlers for one Device and code, and find each by Device and code', () => {
    const registry = new HandlerRegistry(CHF_HANDLERS);
    expect(registry.find('CHF', 0x010f)?.useCase).toBe('CCS06');
    expect(registry.find('GPF', 0x010f)).toBeUndefined();
    expect(() => registry.register(defineHandler({ useCase: 'CCS06', device: 'CHF', handle }))).toThrow(expect.objectContaining({ code: 'DUPLICATE_HANDLER' }));
    expect(() => new HandlerRegistry(ALL_HANDLERS)).not.toThrow();
  });

  it('every registered handler serves codes the message code table gives its use case, and some role may invoke it', () => {
    for (const handler of ALL_HANDLERS) {
      for (const code of handler.messageCodes) expect(messageCodeEntry(code)?.useCase, handler.useCase).toBe(handler.useCase);
      expect(handler.allowedRoles.length, handler.useCase).toBeGreaterThan(0);
    }
  });
});

describe('the roles table', () => {
  it('maps services to certificate roles as roles.md has them', () => {
    expect(certificateRolesFor('CCS01').sort()).toEqual(['otherUser', 'supplier']);
    expect(certificateRolesFor('CCS03')).toEqual(['supplier']);
    expect(certificateRolesFor('ECS35c').sort()).toEqual(['networkOperator', 'supplier']);
    expect(certificateRolesFor('GCS13a').sort()).toEqual(['networkOperator', 'supplier']);
    expect(certificateRolesFor('UNLISTED')).toEqual([]);
    expect(certificateRolesFor('CS02b', 0x0104)).toEqual(['accessControlBroker']);
  });

  it('names a known service for every use case it lists, and a role for every CS02b code', () => {
    for (const [useCase, service] of USE_CASE_SERVICE) expect(SERVICE_ROLES.has(service), useCase).toBe(true);
    for (let code = 0x0100; code <= 0x0109; code++) expect(CREDENTIAL_UPDATE_ROLES.get(code)?.length, code.toString(16)).toBe(1);
  });
});

/** A SecureElement that does real ECDH with keys it makes, counting the scalar multiplications. */
class CountingSecureElement implements SecureElement {
  ecdhCalls = 0;
  private readonly keys = new Map<string, ReturnType<typeof generateKeyPairSync>>();
  async publicKey(owner: Eui64, usage: KeyUsage) {
    return this.pair(owner, usage).publicKey.export({ type: 'spki', format: 'der' });
  }
  async ecdh(owner: Eui64, peer: Buffer) {
    this.ecdhCalls++;
    const { diffieHellman, createPublicKey } = await import('node:crypto');
    return diffieHellman({ privateKey: this.pair(owner, 'keyAgreement').privateKey, publicKey: createPublicKey({ key: peer, format: 'der', type: 'spki' }) });
  }
  async sign() {
    return Buffer.alloc(64);
  }
  async generateKeyPair(owner: Eui64, usage: KeyUsage) {
    this.keys.delete(`${owner}/${usage}`);
    return this.publicKey(owner, usage);
  }
  async dataKey() {
    return Buffer.alloc(32);
  }
  private pair(owner: string, usage: string) {
    const slot = `${owner}/${usage}`;
    if (!this.keys.has(slot)) this.keys.set(slot, generateKeyPairSync('ec', { namedCurve: 'P-256' }));
    return this.keys.get(slot)!;
  }
}

describe('the ECDH secret cache', () => {
  it('computes each pair\'s secret once, and again after the hub makes a new Key Agreement key', async () => {
    const inner = new CountingSecureElement();
    const cached = new SecretCachingSecureElement(inner);
    const peer = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
    const first = await cached.ecdh('00DB1234567890A2', peer);
    expect(await cached.ecdh('00DB1234567890A2', peer)).toEqual(first);
    await cached.ecdh('00DB1234567890A2', other);
    expect(inner.ecdhCalls).toBe(2);
    await cached.generateKeyPair('00DB1234567890A2', 'keyAgreement');
    const fresh = await cached.ecdh('00DB1234567890A2', peer);
    expect(inner.ecdhCalls).toBe(3);
    expect(fresh.equals(first)).toBe(false);
  });
});
