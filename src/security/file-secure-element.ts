import { createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isEui64, notAnEui64 } from '../../hal/eui64.js';
import type { Eui64 } from '../../hal/radio.js';
import { removeStaleTemps, writeFileAtomic } from './atomic-file.js';
import { privateFileProblem } from './file-permissions.js';
import { parseKeyBundle, FileSecureElementError, serializeKeyBundle, type KeyBundle, type OwnerKeys } from './key-file.js';
import type { KeyUsage, SecureElement } from './secure-element.js';

export { FileSecureElementError, type FileSecureElementErrorCode } from './key-file.js';

export const KEY_FILE_NAME = 'keys.json';

export interface FileSecureElementOptions {
  /** The hub's state directory; the key file is `<stateDir>/keys.json` (see `key-file.ts` for its format). */
  stateDir: string;
  /** The hub's own EUI-64s (CHF, GPF) whose key pairs should exist from the start. */
  owners?: readonly Eui64[];
}

function newP256Key(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
}

function newOwnerKeys(): OwnerKeys {
  return { digitalSigning: newP256Key(), keyAgreement: newP256Key() };
}

/**
 * A SecureElement whose keys live in a JSON key file, mode 0600, in the state directory. The file is
 * created on first start (a 32-byte data key, and P-256 Digital Signing and Key Agreement pairs for
 * each owner); an owner first used later gets its pairs then. Every change is written atomically.
 * It refuses to start when the file is readable by anyone but its owner.
 */
export class FileSecureElement implements SecureElement {
  /** Writes happen one at a time, each a whole new file. */
  private writing: Promise<void> = Promise.resolve();
  private readonly creating = new Map<Eui64, Promise<OwnerKeys>>();

  private constructor(
    readonly keyFile: string,
    private readonly bundle: KeyBundle,
  ) {}

  static async open(options: FileSecureElementOptions): Promise<FileSecureElement> {
    const stateDir = resolve(options.stateDir);
    const keyFile = join(stateDir, KEY_FILE_NAME);
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await removeStaleTemps(keyFile);
    const existing = await readKeyFile(keyFile);
    const bundle = existing ?? { dataKey: randomBytes(32), owners: new Map<Eui64, OwnerKeys>() };
    const element = new FileSecureElement(keyFile, bundle);
    const missing = (options.owners ?? []).filter((owner) => !bundle.owners.has(checkOwner(owner)));
    for (const owner of missing) bundle.owners.set(owner, newOwnerKeys());
    if (!existing || missing.length > 0) await element.persist();
    return element;
  }

  async publicKey(owner: Eui64, usage: KeyUsage): Promise<Buffer> {
    const keys = await this.ownerKeys(owner);
    return publicDer(keys[checkUsage(usage)]);
  }

  async ecdh(owner: Eui64, peerPublicKeyDer: Buffer): Promise<Buffer> {
    const keys = await this.ownerKeys(owner);
    return diffieHellman({ privateKey: keys.keyAgreement, publicKey: peerP256Key(peerPublicKeyDer) });
  }

  async sign(owner: Eui64, usage: KeyUsage, data: Buffer): Promise<Buffer> {
    if (checkUsage(usage) !== 'digitalSigning') {
      throw new FileSecureElementError('SE_KEY_USAGE', 'only the Digital Signing key signs; a Key Agreement key is for ECDH', { where: owner });
    }
    const keys = await this.ownerKeys(owner);
    return sign('sha256', data, { key: keys.digitalSigning, dsaEncoding: 'ieee-p1363' });
  }

  async generateKeyPair(owner: Eui64, usage: KeyUsage): Promise<Buffer> {
    const keys = await this.ownerKeys(owner);
    const replaced: OwnerKeys = { ...keys, [checkUsage(usage)]: newP256Key() };
    this.bundle.owners.set(owner, replaced);
    try {
      await this.persist();
    } catch (error) {
      // Not on disk, so not in effect: the old key stays the one the hub uses.
      this.bundle.owners.set(owner, keys);
      throw error;
    }
    return publicDer(replaced[usage]);
  }

  async dataKey(): Promise<Buffer> {
    return Buffer.from(this.bundle.dataKey);
  }

  /**
   * Make the key pairs of these owners now, not on first use: the hub's own (CHF and GPF) at start,
   * so a stranger's message to the GPF cannot be what creates its keys and rewrites keys.json.
   */
  async ensureOwners(owners: Iterable<Eui64>): Promise<void> {
    for (const owner of owners) await this.ownerKeys(owner);
  }

  /** The EUI-64s that have key pairs. */
  owners(): Eui64[] {
    return [...this.bundle.owners.keys()].sort();
  }

  /** An owner's keys, made and saved on first use; concurrent first uses share one creation. */
  private async ownerKeys(owner: Eui64): Promise<OwnerKeys> {
    // Checked first: during creation the keys are in the bundle but not yet on disk.
    const pending = this.creating.get(checkOwner(owner));
    if (pending) return pending;
    const existing = this.bundle.owners.get(owner);
    if (existing) return existing;
    const creating = this.createOwner(owner).finally(() => this.creating.delete(owner));
    this.creating.set(owner, creating);
    return creating;
  }

  private async createOwner(owner: Eui64): Promise<OwnerKeys> {
    const created = newOwnerKeys();
    this.bundle.owners.set(owner, created);
    try {
      await this.persist();
    } catch (error) {
      this.bundle.owners.delete(owner);
      throw error;
    }
    return created;
  }

  private persist(): Promise<void> {
    const text = serializeKeyBundle(this.bundle);
    const write = this.writing.then(() => writeFileAtomic(this.keyFile, text, 0o600));
    this.writing = write.catch(() => undefined);
    return write.catch((cause: unknown) => {
      throw new FileSecureElementError('SE_KEYFILE_WRITE_FAILED', `cannot write the key file: ${(cause as Error).message}`, {
        where: this.keyFile,
        cause,
      });
    });
  }
}

function checkOwner(owner: Eui64): Eui64 {
  if (!isEui64(owner)) throw new FileSecureElementError('SE_BAD_OWNER', notAnEui64(owner));
  return owner;
}

function checkUsage(usage: KeyUsage): KeyUsage {
  if (usage !== 'digitalSigning' && usage !== 'keyAgreement') {
    throw new FileSecureElementError('SE_KEY_USAGE', `"${String(usage)}" is not a key usage (digitalSigning or keyAgreement)`);
  }
  return usage;
}

function publicDer(privateKey: KeyObject): Buffer {
  return createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
}

function peerP256Key(der: Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch (cause) {
    throw new FileSecureElementError('SE_BAD_PEER_KEY', 'the peer public key is not a DER SubjectPublicKeyInfo', { cause });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new FileSecureElementError('SE_BAD_PEER_KEY', 'the peer public key is not on P-256');
  }
  return key;
}

/** The parsed key file, or undefined when there is none yet; refuses a file others can read. */
async function readKeyFile(keyFile: string): Promise<KeyBundle | undefined> {
  let mode: number;
  try {
    mode = (await stat(keyFile)).mode;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FileSecureElementError('SE_KEYFILE_UNREADABLE', `cannot read the key file: ${(cause as Error).message}`, { where: keyFile, cause });
  }
  const tooOpen = privateFileProblem(mode, keyFile, 'the key file');
  if (tooOpen) throw new FileSecureElementError('SE_KEYFILE_TOO_OPEN', tooOpen, { where: keyFile });
  let text: string;
  try {
    text = await readFile(keyFile, 'utf8');
  } catch (cause) {
    throw new FileSecureElementError('SE_KEYFILE_UNREADABLE', `cannot read the key file: ${(cause as Error).message}`, { where: keyFile, cause });
  }
  return parseKeyBundle(text, keyFile);
}
