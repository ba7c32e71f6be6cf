import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Eui64 } from '../../hal/radio.js';
import { Subscriber, type Received } from '../src/wan/subscriber.js';
import { computeMac, decodeMessage, deriveKey, encodeMessage, gbcsMacHeader, type GbcsMessage } from '../../src/gbcs/index.js';
import { decodeGbz, decryptGbzComponent, gbzEncryptionKey, type ZclBody } from '../../src/gbcs/payload/gbz/index.js';
import { RTDS_KEYSTORE } from '../helpers/rtds.js';
import { RTDS_ACB, RTDS_SUPPLIER } from '../conformance/harness.js';

/**
 * The head end of a running hub, as the DCC's parties are in the RTDS test PKI: the Access Control
 * Broker MACs commands with its private Key Agreement key and the hub's public one (ECDH is
 * symmetric, so this is the key the hub derives with its own private key), and the supplier
 * decrypts what the GPF encrypted for it the same way. The hub's public keys are read from its
 * key file, as a head end would have them from the hub's certificates. It follows every topic on
 * the broker and keeps what it sent itself apart from what the hub published.
 */
export interface HubPublicKeys {
  keyAgreement(owner: Eui64): Promise<Buffer>;
}

async function keystoreKey(name: string): Promise<KeyObject> {
  return createPrivateKey(await readFile(join(RTDS_KEYSTORE, name), 'utf8'));
}

export class HeadEnd {
  private counter = BigInt(Date.now()) * 1000n;
  /** Every payload this head end published, so what the hub published can be told apart. */
  readonly sent: Buffer[] = [];

  private constructor(
    private readonly hub: HubPublicKeys,
    private readonly chf: Eui64,
    private readonly broker: Subscriber,
    private readonly acb: KeyObject,
    private readonly supplier: KeyObject,
  ) {}

  static async connect(brokerUrl: string, chf: Eui64, hub: HubPublicKeys): Promise<HeadEnd> {
    const acb = await keystoreKey(`${RTDS_ACB.toLowerCase()}-ka.key`);
    const supplier = await keystoreKey(`${RTDS_SUPPLIER.toLowerCase()}-ka.key`);
    return new HeadEnd(hub, chf, await Subscriber.connect(brokerUrl, ['#']), acb, supplier);
  }

  topic(leaf: string): string {
    return `gbcs/${this.chf}/${leaf}`;
  }

  async send(payload: Buffer): Promise<void> {
    this.sent.push(payload);
    await this.broker.publish(this.topic('command'), payload, { qos: 1 });
  }

  /** Publishes a command and waits for the response that echoes its counter. */
  async ask(command: Buffer): Promise<Buffer> {
    const counter = decodeMessage(command).header.originatorCounter;
    await this.send(command);
    const isAnswer = (r: Received) => r.topic === this.topic('response') && decodeMessage(r.payload).header.originatorCounter === counter;
    return (await this.broker.until((received) => received.some(isAnswer))).find(isAnswer)!.payload;
  }

  async until(leaf: string): Promise<void> {
    await this.broker.until((received) => received.some((r) => r.topic === this.topic(leaf)));
  }

  /** What others (the hub) published, on every topic. */
  published(): Received[] {
    return this.broker.received.filter((r) => !this.sent.some((payload) => payload.equals(r.payload)));
  }

  close(): Promise<void> {
    return this.broker.close();
  }

  private async secret(ours: KeyObject, device: Eui64): Promise<Buffer> {
    return diffieHellman({ privateKey: ours, publicKey: createPublicKey({ key: await this.hub.keyAgreement(device), format: 'der', type: 'spki' }) });
  }

  /** A non-critical command from the ACB on the supplier's behalf, MACed for `recipient`. */
  async command(recipient: Eui64, messageCode: number, payload: Buffer): Promise<Buffer> {
    const counter = ++this.counter;
    const header = {
      cra: 'command' as const,
      originatorCounter: counter,
      originator: RTDS_ACB,
      recipient,
      messageCode,
      supplementary: { remotePartyId: RTDS_SUPPLIER, remotePartyCounter: counter },
    };
    const unsealed: Omit<GbcsMessage, 'mac'> = { header, payload, signature: 'empty', macHeader: gbcsMacHeader() };
    const key = deriveKey(await this.secret(this.acb, recipient), { originator: RTDS_ACB, kind: 'command', counter, recipient });
    return encodeMessage({ ...unsealed, mac: computeMac(key, unsealed) });
  }

  /** The ZCL bodies of a GPF response's encrypted components, decrypted as the supplier would. */
  async decryptGpfResponse(bytes: Buffer): Promise<ZclBody[]> {
    const { header, payload } = decodeMessage(bytes);
    const gbz = decodeGbz(payload, { alert: false });
    if (gbz.gbz !== 'components') throw new Error('the GPF response carries no GBZ components');
    const key = gbzEncryptionKey(await this.secret(this.supplier, header.originator), header);
    return gbz.components.filter((component) => component.body.kind === 'ciphered').map((component) => decryptGbzComponent(component, key, header.originator));
  }
}
