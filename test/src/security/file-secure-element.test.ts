import { createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSecureElement, KEY_FILE_NAME, FileSecureElementError } from '../../../src/security/file-secure-element.js';
import { runScript } from '../store/child.js';

const CHF = '00DB1234567890A2';
const GPF = '00DB1234567890A3';

async function stateDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'hub-se-'));
}

async function rejection(promise: Promise<unknown>): Promise<FileSecureElementError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FileSecureElementError);
  return error as FileSecureElementError;
}

/**
 * Change one base64 digit inside the private scalar (the PEM's first line ends in it): the result
 * still parses as a P-256 key, so only a check that the scalar and the stored public point agree
 * can tell it is damaged.
 */
function damageScalar(pem: string): string {
  const lines = pem.split('\n');
  const at = 60;
  const body = lines[1]!;
  lines[1] = body.slice(0, at) + (body[at] === 'A' ? 'B' : 'A') + body.slice(at + 1);
  return lines.join('\n');
}

function spki(der: Buffer) {
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

describe('FileSecureElement', () => {
  it('creates a 0600 key file on first start and finds the same keys after a restart', async () => {
    const dir = await stateDir();
    const first = await FileSecureElement.open({ stateDir: join(dir, 'state'), owners: [CHF, GPF] });
    const keyFile = join(dir, 'state', KEY_FILE_NAME);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'state'))).mode & 0o777).toBe(0o700);
    expect(first.owners()).toEqual([CHF, GPF]);
    const dataKey = await first.dataKey();
    expect(dataKey).toHaveLength(32);
    const signing = await first.publicKey(CHF, 'digitalSigning');
    const agreement = await first.publicKey(CHF, 'keyAgreement');
    expect(signing.equals(agreement)).toBe(false);
    expect(spki(signing).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');

    const again = await FileSecureElement.open({ stateDir: join(dir, 'state'), owners: [CHF] });
    expect((await again.dataKey()).equals(dataKey)).toBe(true);
    expect((await again.publicKey(CHF, 'digitalSigning')).equals(signing)).toBe(true);
    expect((await again.publicKey(GPF, 'keyAgreement')).equals(await first.publicKey(GPF, 'keyAgreement'))).toBe(true);
  });

  it('gives a caller a copy of the data key, not the key itself', async () => {
    const element = await FileSecureElement.open({ stateDir: await stateDir() });
    const copy = await element.dataKey();
    copy.fill(0);
    expect((await element.dataKey()).equals(Buffer.alloc(32))).toBe(false);
  });

  it.each([0o644, 0o640, 0o604, 0o660])('refuses a key file with mode %o, naming the file and the chmod fix', async (mode) => {
    const dir = await stateDir();
    await FileSecureElement.open({ stateDir: dir, owners: [CHF] });
    const keyFile = join(dir, KEY_FILE_NAME);
    await chmod(keyFile, mode);
    const error = await rejection(FileSecureElement.open({ stateDir: dir }));
    expect(error.code).toBe('SE_KEYFILE_TOO_OPEN');
    expect(error.message).toContain(keyFile);
    expect(error.message).toContain(`chmod 600 "${keyFile}"`);
    await chmod(keyFile, 0o600);
    await expect(FileSecureElement.open({ stateDir: dir })).resolves.toBeInstanceOf(FileSecureElement);
  });

  it('agrees the same ECDH secret as a node:crypto peer, in both directions', async () => {
    const element = await FileSecureElement.open({ stateDir: await stateDir(), owners: [CHF] });
    const peer = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const peerDer = peer.publicKey.export({ format: 'der', type: 'spki' });
    const ours = await element.ecdh(CHF, peerDer);
    const theirs = diffieHellman({ privateKey: peer.privateKey, publicKey: spki(await element.publicKey(CHF, 'keyAgreement')) });
    expect(ours).toHaveLength(32);
    expect(ours.equals(theirs)).toBe(true);
    // The signing key is a different key: a secret made with it must not match.
    const wrong = diffieHellman({ privateKey: peer.privateKey, publicKey: spki(await element.publicKey(CHF, 'digitalSigning')) });
    expect(ours.equals(wrong)).toBe(false);
  });

  it('signs with ECDSA P-256/SHA-256 as 64-byte r||s that node:crypto verifies', async () => {
    const element = await FileSecureElement.open({ stateDir: await stateDir(), owners: [CHF] });
    const message = Buffer.from('GBCS command payload');
    const signature = await element.sign(CHF, 'digitalSigning', message);
    expect(signature).toHaveLength(64);
    const key = spki(await element.publicKey(CHF, 'digitalSigning'));
    expect(verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
    expect(verify('sha256', Buffer.from('GBCS command payloaD'), { key, dsaEncoding: 'ieee-p1363' }, signature)).toBe(false);
  });

  it('refuses to sign with a Key Agreement key, and refuses bad owners and peer keys', async () => {
    const element = await FileSecureElement.open({ stateDir: await stateDir(), owners: [CHF] });
    expect((await rejection(element.sign(CHF, 'keyAgreement', Buffer.of(1)))).code).toBe('SE_KEY_USAGE');
    expect((await rejection(element.publicKey('not-an-eui', 'digitalSigning'))).code).toBe('SE_BAD_OWNER');
    expect((await rejection(element.ecdh(CHF, randomBytes(91)))).code).toBe('SE_BAD_PEER_KEY');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ format: 'der', type: 'spki' });
    const error = await rejection(element.ecdh(CHF, p384));
    expect(error.code).toBe('SE_BAD_PEER_KEY');
    expect(error.message).toMatch(/P-256/);
  });

  it('makes key pairs for an owner on first use and keeps them', async () => {
    const dir = await stateDir();
    const element = await FileSecureElement.open({ stateDir: dir });
    expect(element.owners()).toEqual([]);
    const [a, b] = await Promise.all([element.publicKey(GPF, 'keyAgreement'), element.publicKey(GPF, 'keyAgreement')]);
    expect(a.equals(b)).toBe(true);
    const reopened = await FileSecureElement.open({ stateDir: dir });
    expect((await reopened.publicKey(GPF, 'keyAgreement')).equals(a)).toBe(true);
  });

  it('replaces only the named key pair on generateKeyPair, durably', async () => {
    const dir = await stateDir();
    const element = await FileSecureElement.open({ stateDir: dir, owners: [CHF] });
    const oldSigning = await element.publicKey(CHF, 'digitalSigning');
    const agreement = await element.publicKey(CHF, 'keyAgreement');
    const newSigning = await element.generateKeyPair(CHF, 'digitalSigning');
    expect(newSigning.equals(oldSigning)).toBe(false);
    const reopened = await FileSecureElement.open({ stateDir: dir });
    expect((await reopened.publicKey(CHF, 'digitalSigning')).equals(newSigning)).toBe(true);
    expect((await reopened.publicKey(CHF, 'keyAgreement')).equals(agreement)).toBe(true);
    const signature = await reopened.sign(CHF, 'digitalSigning', Buffer.of(7));
    expect(verify('sha256', Buffer.of(7), { key: spki(newSigning), dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
    expect(verify('sha256', Buffer.of(7), { key: spki(oldSigning), dsaEncoding: 'ieee-p1363' }, signature)).toBe(false);
  });

  it('names the file and never quotes key material when the key file is damaged', async () => {
    const dir = await stateDir();
    await FileSecureElement.open({ stateDir: dir, owners: [CHF] });
    const keyFile = join(dir, KEY_FILE_NAME);
    const text = await readFile(keyFile, 'utf8');
    await writeFile(keyFile, text.slice(0, text.length / 2), { mode: 0o600 });
    const truncated = await rejection(FileSecureElement.open({ stateDir: dir }));
    expect(truncated.code).toBe('SE_KEYFILE_INVALID');
    expect(truncated.message).toContain(keyFile);

    const json = JSON.parse(text) as { owners: Record<string, Record<string, string>> };
    json.owners[CHF]!['keyAgreement'] = damageScalar(json.owners[CHF]!['keyAgreement']!);
    await writeFile(keyFile, JSON.stringify(json), { mode: 0o600 });
    const damagedKey = await rejection(FileSecureElement.open({ stateDir: dir }));
    expect(damagedKey.code).toBe('SE_KEYFILE_INVALID');
    expect(damagedKey.message).toContain(`owners.${CHF}.keyAgreement`);
    expect(damagedKey.message).not.toMatch(/BEGIN|PRIVATE/);
  });

  it('cleans up a temp file an interrupted write left, keeping the key file intact', async () => {
    const dir = await stateDir();
    const first = await FileSecureElement.open({ stateDir: dir, owners: [CHF] });
    const signing = await first.publicKey(CHF, 'digitalSigning');
    await writeFile(join(dir, `${KEY_FILE_NAME}.tmp-99999-deadbeef`), '{"format":"gb-hub-ke', { mode: 0o600 });
    const reopened = await FileSecureElement.open({ stateDir: dir });
    expect((await reopened.publicKey(CHF, 'digitalSigning')).equals(signing)).toBe(true);
    expect(await readdir(dir)).toEqual([KEY_FILE_NAME]);
  });

  it('never leaves a half-written key file or loses an acknowledged key when killed mid-write', async () => {
    const dir = await stateDir();
    let acknowledgedWrites = 0;
    for (let round = 0; round < 4; round++) {
      const child = runScript(new URL('./fixtures/key-churn.ts', import.meta.url).href, [dir, CHF]);
      await child.waitFor((line) => line === 'ready');
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 150));
      await child.kill();
      const element = await FileSecureElement.open({ stateDir: dir });
      expect((await stat(join(dir, KEY_FILE_NAME))).mode & 0o777).toBe(0o600);
      for (const usage of ['digitalSigning', 'keyAgreement'] as const) {
        const acknowledged = child.lines.filter((line) => line.startsWith(`${usage} `)).map((line) => line.split(' ')[1]);
        acknowledgedWrites += acknowledged.length;
        const onDisk = (await element.publicKey(CHF, usage)).toString('hex');
        // The newest acknowledged key, or one written after it but killed before it was printed; never an older one.
        if (acknowledged.length > 0 && onDisk !== acknowledged.at(-1)) expect(acknowledged).not.toContain(onDisk);
      }
    }
    // The kills must have landed among real writes for this test to mean anything.
    expect(acknowledgedWrites).toBeGreaterThan(4);
  });
});
