import { createPublicKey, diffieHellman, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Eui64 } from '../../hal/radio.js';
import { GbcsAuthenticator, decodeMessage, type GbcsMessage, type GroupingHeader } from '../gbcs/index.js';
import { PayloadError, decodePayload, describePayload } from '../gbcs/payload/index.js';
import { TrustStore } from '../security/certificates.js';
import type { KeyUsage, SecureElement } from '../security/secure-element.js';
import { ensureDemoHeadEnd, HeadEndError, type DemoHeadEnd } from './demo-keys.js';
import { HUB_KEYS_FILE, type HubPublicKeys } from './demo-trust.js';

/**
 * A small head end for the demo hub: it holds the demo Access Control Broker's and supplier's
 * private keys, so it can MAC and sign commands as a DCC and a supplier would, and check and decode
 * what the hub answers. Keys from demo-keys.ts; the hub's public keys from the `hub.json` the demo
 * hub leaves beside them.
 */
export interface HeadEndMessage {
  /** Who the command is for: the hub's CHF or GPF. */
  device: 'CHF' | 'GPF';
  messageCode: number;
  payload: Buffer;
  /** The ACB sends for the supplier (CCS01, CCS06), or the supplier sends itself (GCS13a). */
  sender: 'accessControlBroker for supplier' | 'supplier';
  /** A critical command (CS06): signed by the supplier, which must then be the sender. */
  signed?: boolean;
}

export interface DecodedResponse {
  message: GbcsMessage;
  /** The payload as the use case's view describes it, one line each. */
  lines: string[];
}

/**
 * The head end's side of each key agreement: ECDH is symmetric, so the secret the hub computes
 * with its private key and our public key is computed here with our private key and its public one.
 */
class HeadEndKeys implements SecureElement {
  constructor(
    private readonly headEnd: DemoHeadEnd,
    private readonly hub: HubPublicKeys,
  ) {}

  async publicKey(owner: Eui64, usage: KeyUsage): Promise<Buffer> {
    const hex = this.hub.keys[owner]?.[usage];
    if (!hex) throw new HeadEndError('HEADEND_NO_KEY', `no ${usage} public key of ${owner} in ${HUB_KEYS_FILE}`, { where: this.headEnd.dir });
    return Buffer.from(hex, 'hex');
  }

  async ecdh(owner: Eui64, peerPublicKeyDer: Buffer): Promise<Buffer> {
    const ours = this.parties().find((key) => createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(peerPublicKeyDer));
    if (!ours) throw new HeadEndError('HEADEND_NO_KEY', 'the head end holds no private key for that party', { where: owner });
    return diffieHellman({ privateKey: ours, publicKey: createPublicKey({ key: await this.publicKey(owner, 'keyAgreement'), format: 'der', type: 'spki' }) });
  }

  async sign(owner: Eui64, usage: KeyUsage, data: Buffer): Promise<Buffer> {
    const party = [this.headEnd.accessControlBroker, this.headEnd.supplier].find((p) => p.eui === owner);
    if (!party) throw new HeadEndError('HEADEND_NO_KEY', 'the head end signs only as its own parties', { where: owner });
    return sign('sha256', data, { key: party.keys[usage], dsaEncoding: 'ieee-p1363' });
  }

  async generateKeyPair(): Promise<Buffer> {
    throw new HeadEndError('HEADEND_NO_KEY', 'the demo head end makes no keys for others');
  }

  async dataKey(): Promise<Buffer> {
    throw new HeadEndError('HEADEND_NO_KEY', 'the demo head end keeps nothing at rest');
  }

  private parties(): KeyObject[] {
    return [this.headEnd.accessControlBroker, this.headEnd.supplier].map((party) => party.keys.keyAgreement);
  }
}

export class HeadEnd {
  private lastCounter = 0n;

  private constructor(
    readonly hub: HubPublicKeys,
    private readonly parties: DemoHeadEnd,
    private readonly authenticator: GbcsAuthenticator,
  ) {}

  static async open(dir: string): Promise<HeadEnd> {
    const parties = await ensureDemoHeadEnd(dir);
    let hub: HubPublicKeys;
    try {
      hub = JSON.parse(await readFile(join(dir, HUB_KEYS_FILE), 'utf8')) as HubPublicKeys;
    } catch (cause) {
      throw new HeadEndError('HEADEND_NO_HUB', 'no demo hub has trusted this head end yet: run `hub start` (npm start) with no security.keystore, then try again', { where: dir, cause });
    }
    const trust = new TrustStore();
    for (const party of [parties.accessControlBroker, parties.supplier]) for (const certificate of Object.values(party.certificates)) trust.add(certificate);
    const authenticator = new GbcsAuthenticator({ secureElement: new HeadEndKeys(parties, hub), credentials: trust, ownDevices: [hub.chf, hub.gpf] });
    return new HeadEnd(hub, parties, authenticator);
  }

  /** Counters only go up: the hub refuses one it has seen (replay). Milliseconds since 1970, times 1000, leave room for bursts. */
  nextCounter(): bigint {
    const now = BigInt(Date.now()) * 1000n;
    this.lastCounter = now > this.lastCounter ? now : this.lastCounter + 1n;
    return this.lastCounter;
  }

  /** The command, MACed (and its header as sent, to match the response). */
  async command(request: HeadEndMessage, counter = this.nextCounter()): Promise<{ bytes: Buffer; header: GroupingHeader }> {
    const { accessControlBroker, supplier } = this.parties;
    const forSupplier = request.sender !== 'supplier';
    const header: GroupingHeader = {
      cra: 'command',
      originatorCounter: counter,
      originator: forSupplier ? accessControlBroker.eui : supplier.eui,
      recipient: request.device === 'CHF' ? this.hub.chf : this.hub.gpf,
      messageCode: request.messageCode,
      ...(forSupplier ? { supplementary: { remotePartyId: supplier.eui, remotePartyCounter: counter } } : {}),
    };
    const signature = request.signed ? await this.authenticator.sign({ header, payload: request.payload }) : ('empty' as const);
    return { bytes: await this.authenticator.seal({ header, payload: request.payload, signature }), header };
  }

  /** Check a response's MAC (or signature) and decode its payload. */
  async response(bytes: Buffer): Promise<DecodedResponse> {
    const message = decodeMessage(bytes);
    if (message.macHeader) await this.authenticator.verifyMac(message);
    await this.authenticator.verifySignature(message);
    let lines: string[];
    try {
      lines = describePayload(decodePayload({ messageCode: message.header.messageCode, cra: message.header.cra, payload: message.payload }));
    } catch (error) {
      if (!(error instanceof PayloadError)) throw error;
      lines = [`payload not decoded: ${error.message}`];
    }
    return { message, lines };
  }
}
