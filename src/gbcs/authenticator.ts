import { verify } from 'node:crypto';
import type { Eui64 } from '../../hal/radio.js';
import type { Credential, CredentialSource } from '../security/certificates.js';
import type { KeyUsage, SecureElement } from '../security/secure-element.js';
import { decodeMessage, encodeMessage, signedPart, type DecodeOptions } from './codec.js';
import { SIZE } from './constants.js';
import { GbcsError } from './errors.js';
import { deriveKey } from './kdf.js';
import { computeMac, gbcsMacHeader, macMatches, type MacInput } from './mac.js';
import { isSigned, type GbcsMessage, type GroupingHeader } from './message.js';
import { messageCodeEntry } from './message-codes.js';

/**
 * Authentication of GBCS messages, in one direction: check the MAC (and the signature of a critical
 * command) on the envelope, and only then hand the payload on. Keys stay in the SecureElement.
 *
 * Who shares the MAC key: a command is MACed by the Access Control Broker for its recipient Device;
 * a response or alert is MACed by its originating Device for its recipient remote party. The Device
 * side is the one whose private key the SecureElement holds.
 */
export interface Authenticated {
  message: GbcsMessage;
  /** True when a signature was present and verified. */
  signatureVerified: boolean;
}

export interface AuthenticatorOptions {
  secureElement: SecureElement;
  credentials: CredentialSource;
  /**
   * The hub's own Devices (its CHF and GPF). Only their signing keys may come from the secure
   * element; every other party's must be a trusted certificate. A secure element that can answer
   * for other EUIs (the RTDS keystore holds the meters' and remote parties' keys) must not turn a
   * party the hub no longer trusts into one it does. Absent: no party falls back.
   */
  ownDevices?: Iterable<Eui64>;
}

export class GbcsAuthenticator {
  private readonly ownDevices: ReadonlySet<Eui64>;

  constructor(private readonly options: AuthenticatorOptions) {
    this.ownDevices = new Set(options.ownDevices ?? []);
  }

  /** Decode the envelope, check MAC and signature; throws GbcsError (MAC_INVALID, SIGNATURE_*, NO_CREDENTIAL, decode codes). */
  async authenticate(bytes: Uint8Array, decode: DecodeOptions = {}): Promise<Authenticated> {
    const message = decodeMessage(bytes, decode);
    return { message, signatureVerified: await this.verifyCommand(message) };
  }

  /**
   * A command's MAC, then its signature; returns whether a signature was verified. A command that
   * may come signed only (critical, or a variant use case's signed form) and does, is authenticated
   * by its signature alone; every other one needs the MAC.
   */
  async verifyCommand(message: GbcsMessage): Promise<boolean> {
    const signedOnly = !message.macHeader && isSigned(message) && messageCodeEntry(message.header.messageCode)?.signedOnly === true;
    if (!signedOnly) await this.verifyMac(message);
    return this.verifySignature(message);
  }

  async verifyMac(message: GbcsMessage): Promise<void> {
    if (!message.macHeader || !message.mac) throw new GbcsError('MAC_INVALID', 'the message has no MAC header', { where: 'MAC' });
    const key = await this.macKey(message.header);
    if (!macMatches(key, message)) throw new GbcsError('MAC_INVALID', 'the MAC does not match the message', { where: 'MAC' });
  }

  /**
   * Checks a present signature against the originator's Digital Signing certificate; a critical
   * command without one is refused. Returns whether a signature was verified.
   */
  async verifySignature(message: GbcsMessage): Promise<boolean> {
    const { header } = message;
    if (!isSigned(message)) {
      if (header.cra === 'command' && messageCodeEntry(header.messageCode)?.critical) {
        throw new GbcsError('SIGNATURE_MISSING', 'a critical command must carry the remote party signature', { where: 'signature' });
      }
      return false;
    }
    const publicKey = await this.signingKey(header.originator);
    const valid = verify('sha256', signedPart(message), { key: publicKey, format: 'der', type: 'spki', dsaEncoding: 'ieee-p1363' }, message.signature);
    if (!valid) throw new GbcsError('SIGNATURE_INVALID', `the signature does not verify with ${header.originator}'s key`, { where: 'signature' });
    return true;
  }

  /** The MAC for a message (its own MAC header, or GBCS's empty one). */
  async mac(message: MacInput): Promise<Buffer> {
    return computeMac(await this.macKey(message.header), message);
  }

  /** Add the GBCS MAC header and the MAC to a response or alert (or a command, in tests), and encode it. */
  async seal(message: Omit<GbcsMessage, 'mac' | 'macHeader'>): Promise<Buffer> {
    const macHeader = gbcsMacHeader();
    const unsealed = { ...message, macHeader };
    return encodeMessage({ ...unsealed, mac: await this.mac(unsealed) });
  }

  /**
   * A signed message with no MAC header and no MAC: the grouping header, the payload and the
   * originator's signature. GBCS answers a critical command this way, so the response needs no
   * Key Agreement certificate of its recipient (some parties hold Digital Signing keys only).
   */
  async signed(message: Pick<GbcsMessage, 'header' | 'payload'>): Promise<Buffer> {
    const { header, payload } = message;
    return encodeMessage({ header, payload, signature: await this.sign(message) });
  }

  /** The originator's ECDSA signature over the grouping header and payload, through the SecureElement. */
  async sign(message: Pick<GbcsMessage, 'header' | 'payload'>): Promise<Buffer> {
    const signature = await this.options.secureElement.sign(message.header.originator, 'digitalSigning', signedPart(message));
    if (signature.length !== SIZE.signature) throw new GbcsError('BAD_VALUE', `the secure element gave a ${signature.length}-byte signature`);
    return signature;
  }

  private async macKey(header: GroupingHeader): Promise<Buffer> {
    const command = header.cra === 'command';
    const device = command ? header.recipient : header.originator;
    const peer = command ? this.accessControlBroker() : this.credential(header.recipient, 'keyAgreement');
    let secret: Buffer;
    try {
      secret = await this.options.secureElement.ecdh(device, peer.publicKeyDer);
    } catch (cause) {
      throw new GbcsError('NO_CREDENTIAL', `the secure element cannot agree a key for ${device}`, { where: device, cause });
    }
    return deriveKey(secret, { originator: header.originator, kind: header.cra, counter: header.originatorCounter, recipient: header.recipient });
  }

  private accessControlBroker(): Credential {
    const [acb] = this.options.credentials.forRole('accessControlBroker', 'keyAgreement');
    if (!acb) throw new GbcsError('NO_CREDENTIAL', 'no Access Control Broker Key Agreement certificate is trusted', { where: 'MAC' });
    return acb;
  }

  private credential(eui: Eui64, usage: KeyUsage): Credential {
    const credential = this.options.credentials.forEui(eui, usage);
    if (!credential) throw new GbcsError('NO_CREDENTIAL', `no ${usage} certificate is held for ${eui}`, { where: eui });
    return credential;
  }

  /** A trusted certificate, or, for a message one of the hub's own Devices signed, its own public key. */
  private async signingKey(originator: Eui64): Promise<Buffer> {
    const held = this.options.credentials.forEui(originator, 'digitalSigning');
    if (held) return held.publicKeyDer;
    if (!this.ownDevices.has(originator)) {
      throw new GbcsError('NO_CREDENTIAL', `no Digital Signing certificate is trusted for ${originator}`, { where: originator });
    }
    try {
      return await this.options.secureElement.publicKey(originator, 'digitalSigning');
    } catch (cause) {
      throw new GbcsError('NO_CREDENTIAL', `no Digital Signing key is known for ${originator}`, { where: originator, cause });
    }
  }
}
