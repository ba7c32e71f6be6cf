import { beforeAll, expect, it } from 'vitest';
import { GbcsAuthenticator, GbcsError, decodeMessage, encodeMessage, isSigned, messageCodeEntry, signedPart, type GbcsMessage } from '../../src/gbcs/index.js';
import { loadRtdsKeystore } from '../../src/security/rtds-secure-element.js';
import { describeRtds, loadVectors, RTDS_KEYSTORE, type Vector } from '../helpers/rtds.js';

/** The hub's two logical Devices in the RTDS. */
const HUB_DEVICES = new Set(['00DB1234567890A2', '00DB1234567890A3']);
/** Use cases GBCS lets a remote party send signed or MACed only ("Variant Command & Response"). */
const VARIANTS = ['CS02a', 'CS02e', 'CS02f'];
/** Devices' EUI-64s share this prefix in the RTDS; remote parties' do not. */
const isDevice = (eui: string) => eui.startsWith('00DB');

describeRtds('RTDS conformance: envelope codec, MACs and signatures', () => {
  let authenticator: GbcsAuthenticator;
  const vectors = () => loadVectors();
  const decoded = (vector: Vector) => decodeMessage(vector.bytes);
  const fromHub = (message: GbcsMessage) => message.header.cra !== 'command' && HUB_DEVICES.has(message.header.originator);

  beforeAll(async () => {
    const { trustStore, secureElement } = await loadRtdsKeystore(RTDS_KEYSTORE);
    authenticator = new GbcsAuthenticator({ secureElement, credentials: trustStore });
  });

  it('decodes every vector and re-encodes it byte for byte', () => {
    const all = vectors();
    expect(all.length).toBeGreaterThan(100);
    for (const vector of all) {
      expect(encodeMessage(decoded(vector)).toString('hex'), vector.name).toBe(vector.bytes.toString('hex'));
    }
  });

  it('authenticates every COMMAND: its MAC, and its signature when it is critical', async () => {
    // A PPMID's own commands to the GSME (PCS01, PCS02) travel the HAN only, with no MAC a remote party could check.
    const commands = vectors().filter((vector) => vector.kind === 'COMMAND' && !isDevice(decoded(vector).header.originator));
    expect(commands.length).toBeGreaterThan(40);
    let signed = 0;
    for (const command of commands) {
      const { message, signatureVerified } = await authenticator.authenticate(command.bytes);
      expect(message.header.cra, command.name).toBe('command');
      if (signatureVerified) signed += 1;
    }
    expect(signed).toBe(commands.filter((command) => isSigned(decoded(command))).length);
    expect(signed).toBeGreaterThan(0);
  });

  it('verifies each critical COMMAND signature over exactly the bytes of its PRECOMMAND', async () => {
    const precommands = vectors().filter((vector) => vector.kind === 'PRECOMMAND');
    expect(precommands.length).toBeGreaterThan(0);
    for (const precommand of precommands) {
      const unsigned = decoded(precommand);
      expect(unsigned.signature, precommand.name).toBe('absent');
      const command = vectors().find((vector) => vector.kind === 'COMMAND' && vector.name === precommand.name.replace('PRECOMMAND', 'COMMAND'))!;
      const signedCommand = decoded(command);
      expect(signedPart(signedCommand).equals(precommand.bytes.subarray(1)), precommand.name).toBe(true);
      const withSignature = { ...unsigned, signature: signedCommand.signature };
      await expect(authenticator.verifySignature(withSignature)).resolves.toBe(true);
      if (messageCodeEntry(unsigned.header.messageCode)!.critical) {
        await expect(authenticator.verifySignature(unsigned), precommand.name).rejects.toMatchObject({ code: 'SIGNATURE_MISSING' });
      } else {
        // A variant use case: a Device takes it signed or MACed only, so its unsigned form is no error.
        expect(VARIANTS, precommand.name).toContain(messageCodeEntry(unsigned.header.messageCode)!.useCase);
        await expect(authenticator.verifySignature(unsigned), precommand.name).resolves.toBe(false);
      }
    }
  });

  it('regenerates the MAC of every CHF and GPF response and alert byte for byte', async () => {
    const hubMessages = vectors().filter((vector) => fromHub(decoded(vector)) && decoded(vector).mac);
    expect(hubMessages.length).toBeGreaterThan(20);
    for (const vector of hubMessages) {
      const message = decoded(vector);
      const sealed = await authenticator.seal({ header: message.header, payload: message.payload, signature: message.signature });
      expect(sealed.toString('hex'), vector.name).toBe(vector.bytes.toString('hex'));
    }
  });

  it('authenticates every other RESPONSE and ALERT: MACs from the meters, signatures of critical responses', async () => {
    const others = vectors().filter((vector) => vector.kind === 'RESPONSE' || vector.kind === 'ALERT');
    let checked = 0;
    for (const vector of others) {
      const { originator, recipient } = decoded(vector).header;
      // PPMID to GSME (PCS01, PCS02): keys agreed between two Devices, neither of which the RTDS gives a private key for.
      if (isDevice(originator) && isDevice(recipient)) continue;
      checked += 1;
      const message = decoded(vector);
      if (message.mac) await authenticator.verifyMac(message);
      if (isSigned(message)) await expect(authenticator.verifySignature(message), vector.name).resolves.toBe(true);
      expect(message.mac !== undefined || isSigned(message), `${vector.name} carries neither MAC nor signature`).toBe(true);
    }
    expect(checked).toBeGreaterThan(others.length - 10);
  });

  it('refuses every single-bit change of a few commands, critical and not', async () => {
    const chosen = ['CCS01_8.11_SUCCESS_COMMAND_GBCS.HEX', 'GCS13a_4.1.1_SUCCESS_RELIABLE_GPF_COMMAND_GBCS.HEX', 'CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX'];
    for (const name of chosen) {
      const command = vectors().find((vector) => vector.name === name)!;
      for (let bit = 0; bit < command.bytes.length * 8; bit++) {
        await expectRefused(command.bytes, bit);
      }
    }
  });

  it('refuses a sample of single-bit changes across every command', async () => {
    const commands = vectors().filter((vector) => vector.kind === 'COMMAND');
    let seed = 0x5eed;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    for (const command of commands) {
      for (let i = 0; i < 12; i++) await expectRefused(command.bytes, next() % (command.bytes.length * 8));
    }
  });

  async function expectRefused(original: Buffer, bit: number) {
    const bytes = Buffer.from(original);
    bytes.writeUInt8(bytes.readUInt8(bit >> 3) ^ (0x80 >> (bit & 7)), bit >> 3);
    try {
      await authenticator.authenticate(bytes);
    } catch (error) {
      expect(error, `bit ${bit}`).toBeInstanceOf(GbcsError);
      return;
    }
    expect.fail(`flipping bit ${bit} (byte ${bit >> 3}) still authenticates`);
  }
});
