import { expect, it } from 'vitest';
import { INSTALL_CODE_LENGTHS, parseInstallCode, withInstallCodeCrc } from '../../../hal/install-code.js';
import { decodeMessage, deriveKey, messageCodeEntry, type GbcsMessage } from '../../../src/gbcs/index.js';
import { decodeGeneric, decodePayload, encodeGeneric, encodePayloadView, type DecodedPayload } from '../../../src/gbcs/payload/index.js';
import type { AsnValues } from './types.js';
import * as chf from '../../../src/gbcs/payload/dlms/index.js';
import { decryptGbzComponent, encryptGbzBody, gbzEncryptionKey, type GbzPayload } from '../../../src/gbcs/payload/gbz/index.js';
import { loadRtdsKeystore } from '../../../src/security/rtds-secure-element.js';
import { describeRtds, loadVectors, RTDS_KEYSTORE, type Vector } from '../../helpers/rtds.js';

/** Relayed to the ESME as they are; the hub decodes them generically but has no typed view. */
const RELAYED_WITHOUT_VIEW = ['ECS17a', 'ECS17b', 'ECS35a'];
/** The hub's two logical Devices in the RTDS. */
const HUB_DEVICES = new Set(['00DB1234567890A2', '00DB1234567890A3']);
/** CHF use cases whose handlers read their payloads without a typed view yet. */
const HUB_USE_CASES_WITHOUT_VIEW = ['CS02b', 'DBCH02', 'DBCH05', 'DBCH06', 'DBCH08', 'DBCH10', 'DBCH11'];
/** Codes whose payload is DLMS at one Device and GBZ at another (generic alerts, the ZigBee Device logs). */
const FORMAT_BY_DEVICE = ['GCA', 'GNCA', 'CS10a', 'CS10b', 'CS11'];

function open(vector: Vector): { message: GbcsMessage; decoded: DecodedPayload } {
  const message = decodeMessage(vector.bytes, { allowUnknownMessageCode: true });
  const { messageCode, cra } = message.header;
  return { message, decoded: decodePayload({ messageCode, cra, payload: message.payload }) };
}

/** A copy sharing no memory with the decoded message, so the encoder can only work from the typed values. */
function deepCopy<T>(value: T): T {
  if (Buffer.isBuffer(value)) return Buffer.from(value) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(deepCopy) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, deepCopy(item)])) as T;
  return value;
}

function find(name: string): Vector {
  const vector = loadVectors().find((candidate) => candidate.name === name);
  if (!vector) throw new Error(`no vector ${name}`);
  return vector;
}

function view<T>(name: string): T {
  const { decoded } = open(find(name));
  if (!decoded.view) throw new Error(`${name} has no typed view`);
  return decoded.view.value as T;
}

describeRtds('GBCS payloads of every RTDS vector', () => {
  it('decodes every payload in the format the message code table names, and re-encodes the generic tree byte for byte', () => {
    const vectors = loadVectors();
    expect(vectors.length).toBeGreaterThan(100);
    for (const vector of vectors) {
      const { message, decoded } = open(vector);
      const entry = messageCodeEntry(message.header.messageCode);
      expect(entry, vector.name).toBeDefined();
      // Where the table names no format the code is one several Devices use in their own.
      if (entry!.payload) expect(decoded.format, vector.name).toBe(entry!.payload);
      else expect(FORMAT_BY_DEVICE, vector.name).toContain(entry!.useCase);
      const again = encodeGeneric(decoded.generic);
      if (decoded.format === 'asn1' && vector.kind !== 'COMMAND' && vector.kind !== 'PRECOMMAND' && !again.equals(message.payload)) {
        // A Device's BER (lengths in a longer form than needed) comes back as DER: shorter, and strict DER that stays itself.
        expect(again.length, vector.name).toBeLessThan(message.payload.length);
        expect(encodeGeneric(decodeGeneric('asn1', again, 'command')).equals(again), vector.name).toBe(true);
        continue;
      }
      expect(again.equals(message.payload), vector.name).toBe(true);
    }
  });

  it('gives a typed view of every CHF and GPF payload but those listed', () => {
    const withoutView = new Set<string>();
    let viewed = 0;
    for (const vector of loadVectors()) {
      const { message, decoded } = open(vector);
      const { originator, recipient } = message.header;
      if (!HUB_DEVICES.has(originator) && !HUB_DEVICES.has(recipient)) continue;
      if (decoded.view) viewed += 1;
      else withoutView.add(vector.name);
    }
    expect([...new Set([...withoutView].map((name) => name.split('_')[0]!.replace(/^CS02b.*/, 'CS02b')))].sort()).toEqual(HUB_USE_CASES_WITHOUT_VIEW);
    expect(viewed).toBeGreaterThan(40);
  });

  it('names every relayed use case that has a typed view too, and leaves the rest generic', () => {
    const relayedWithView = new Set<string>();
    for (const vector of loadVectors()) {
      const { message, decoded } = open(vector);
      if (HUB_DEVICES.has(message.header.originator) || HUB_DEVICES.has(message.header.recipient)) continue;
      if (decoded.view) relayedWithView.add(messageCodeEntry(message.header.messageCode)!.useCase);
    }
    for (const useCase of RELAYED_WITHOUT_VIEW) expect(relayedWithView, useCase).not.toContain(useCase);
  });

  it('re-encodes every response and alert from its typed view alone, byte for byte', () => {
    let count = 0;
    for (const vector of loadVectors()) {
      const { message, decoded } = open(vector);
      if (!decoded.view || (vector.kind !== 'RESPONSE' && vector.kind !== 'ALERT')) continue;
      const rebuilt = encodePayloadView(decoded.view.useCase, decoded.view.cra, deepCopy(decoded.view.value));
      expect(rebuilt.toString('hex'), vector.name).toBe(message.payload.toString('hex'));
      count++;
    }
    expect(count).toBeGreaterThanOrEqual(40);
  });

  it('re-encodes every command from its typed view too', () => {
    for (const vector of loadVectors().filter((candidate) => candidate.kind === 'COMMAND' || candidate.kind === 'PRECOMMAND')) {
      const { message, decoded } = open(vector);
      if (!decoded.view) continue;
      expect(encodePayloadView(decoded.view.useCase, decoded.view.cra, decoded.view.value).equals(message.payload), vector.name).toBe(true);
    }
  });
});

describeRtds('typed views of the CHF use cases', () => {
  it('CCS01: the register_device parameters, join timeout and joining switch', () => {
    const command = view<chf.DlmsCommandView<typeof chf.CCS01.steps>>('CCS01_8.11_SUCCESS_COMMAND_GBCS.HEX');
    const registration = command.parameters.registerDevice;
    expect(registration.deviceId).toBe('00DB1234567890A0');
    expect(registration.deviceType).toBe(1);
    expect(registration.installCode.toString('latin1')).toBe('0123456789ABCDEF');
    expect(command.parameters.joinTimeout).toBe(90);
    expect(command.parameters.joiningEnabled).toBe(true);
    // GBCS carries the 16-octet code without its CRC: as it stands it is no valid code+CRC,
    // and the hub appends the CRC before deriving the link key.
    expect(INSTALL_CODE_LENGTHS).toContain(registration.installCode.length);
    expect(() => parseInstallCode(registration.installCode)).toThrow(expect.objectContaining({ code: 'INSTALL_CODE_BAD_LENGTH' }));
    expect(parseInstallCode(withInstallCodeCrc(registration.installCode)).subarray(0, 16).equals(registration.installCode)).toBe(true);
  });

  it('CCS01 and CCS02 responses: one result per access, in order', () => {
    const ok = view<chf.DlmsResponseView<typeof chf.CCS01.steps>>('CCS01_8.11_SUCCESS_RESPONSE_GBCS.HEX');
    expect(ok.results).toEqual({ registerDevice: { result: 0 }, joinTimeout: { result: 0 }, joiningEnabled: { result: 0 } });
    const failed = view<chf.DlmsResponseView<typeof chf.CCS01.steps>>('CCS01_8.11_ERROR_RESPONSE_GBCS.HEX');
    expect(failed.results.joiningEnabled.result).toBe(250);
    const removed = view<chf.DlmsCommandView<typeof chf.CCS02.steps>>('CCS02_8.11_SUCCESS_COMMAND_GBCS.HEX');
    expect(removed.parameters.unregisterDevice).toBe('00DB1234567890A0');
    expect(view<chf.DlmsResponseView<typeof chf.CCS02.steps>>('CCS02_8.11_ERROR_RESPONSE_GBCS.HEX').results.unregisterDevice.result).toBe(1);
  });

  it('CCS06: each Device with its signal figures and the time it last communicated', () => {
    const response = view<chf.DlmsResponseView<typeof chf.CCS06.steps>>('CCS06_8.9_SUCCESS_RESPONSE_GBCS.HEX');
    const devices = response.results.activeDevices.value!;
    expect(devices.map((device) => device.deviceId)).toEqual(['00DB1234567890A0', '00DB1234567890A1']);
    expect(devices[0]).toMatchObject({ maxRssi: -35, averageRssi: -50, minRssi: -100, transmissionSuccesses: 100 });
    expect(devices[0]!.lastCommunication).toMatchObject({ year: 2014, month: 12, day: 31, hour: 23, minute: 50 });
    expect(view<chf.DlmsResponseView<typeof chf.CCS06.steps>>('CCS06_8.9_ERROR_RESPONSE_GBCS.HEX').results.activeDevices).toEqual({ result: 1 });
  });

  it('CCS07 and CS14: the Device Log backup with hashed TC link keys, the same in the read and in the alert', () => {
    const read = view<chf.DlmsResponseView<typeof chf.CCS07.steps>>('CCS07_8.9_SUCCESS_RESPONSE_GBCS.HEX');
    const log = read.results.deviceLog.value!;
    expect(log.extendedPanId.toString('hex')).toBe('0001020304050607');
    expect(log.devices.map((device) => device.deviceId)).toEqual(['00DB1234567890A0', '00DB1234567890A1']);
    expect(log.devices.every((device) => device.hashedTcLinkKey.length === 16)).toBe(true);
    expect(read.results.historicDeviceLog.value!.devices.map((device) => device.deviceId)).toEqual(['00DB1234567890A3', '00DB1234567890A4']);
    const alert = view<chf.DlmsAlertView<chf.DeviceLogBackup>>('CS14_NA_8F12_ALERT_GBCS.HEX');
    expect(alert.alertCode).toBe(0x8f12);
    expect(alert.body).toEqual(log);
  });

  it('ECS35c: the event log entries within the range the command asked for', () => {
    const command = view<chf.DlmsCommandView<typeof chf.ECS35c.steps>>('ECS35c_6.13_SUCCESS_COMMAND_GBCS.HEX');
    const { from, to } = command.parameters.eventLog;
    const entries = view<chf.DlmsResponseView<typeof chf.ECS35c.steps>>('ECS35c_6.13_SUCCESS_RESPONSE_GBCS.HEX').results.eventLog.value!;
    expect(entries.length).toBeGreaterThan(10);
    expect(entries.every((entry) => entry.time >= from && entry.time <= to)).toBe(true);
    expect(entries[0]).toEqual({ time: 473299200, eventCode: 0x8154, eventData: Buffer.from('009b', 'hex') });
    expect(chf.gbcsUtcToDate(entries[0]!.time).toISOString()).toBe('2014-12-31T00:00:00.000Z');
  });

  it('DBCH: the Sub GHz channel, the configuration read and set, and the alerts', () => {
    expect(view<chf.DlmsResponseView<typeof chf.DBCH01.steps>>('DBCH01_6.31_SUCCESS_RESPONSE_GBCS.HEX').results.channel.value).toEqual({ bits: 32, value: Buffer.from('e0000001', 'hex') });
    const read = view<chf.DlmsResponseView<typeof chf.DBCH03.steps>>('DBCH03_6.30_SUCCESS_RESPONSE_GBCS.HEX').results.configuration.value!;
    expect(read.channelMasks).toHaveLength(4);
    expect(read.settings[0]).toEqual({ type: 'long-unsigned', value: 125 });
    const set = view<chf.DlmsCommandView<typeof chf.DBCH04.steps>>('DBCH04_6.28_SUCCESS_COMMAND_GBCS.HEX').parameters.configuration;
    expect(view<chf.DlmsAlertView<chf.SubGhzConfiguration>>('DBCH04_6.28_NA_SUCCESS_ALERT_DBCH09_GBCS.HEX').body).toEqual(set);
    expect(view<chf.DlmsAlertView<{ channel: unknown }>>('DBCH07_NA_8F26_ALERT_GBCS.HEX').body.channel).toEqual({ bits: 32, value: Buffer.from('e0000001', 'hex') });
  });

  it('CCS08 and GCS62: the ASN.1 alerts', () => {
    const transfer = view<AsnValues['firmwareTransfer']>('CCS08_NA_NA_ALERT_GBCS.HEX');
    expect(transfer).toMatchObject({ alertCode: 0x8f8a, entityId: '00DB1234567890A4', responseCode: 0 });
    expect(transfer.executionDateTime.toISOString()).toBe('2015-01-01T00:00:00.000Z');
    const backup = view<AsnValues['gpfBackup']>('GCS62_NA_8071_ALERT_GBCS.HEX');
    expect(backup.alertCode).toBe(0x8071);
    expect(backup.devices).toHaveLength(6);
    expect(backup.devices[0]).toEqual({ deviceId: '0102030405060708', deviceType: 6 });
  });
});

describeRtds('GBZ views of the GPF use cases', () => {
  async function decrypted(name: string) {
    const { message, decoded } = open(find(name));
    const payload = decoded.view!.value as GbzPayload;
    if (payload.gbz !== 'components') throw new Error('not components');
    const component = payload.components[0]!;
    const { header } = message;
    const keystore = await loadRtdsKeystore(RTDS_KEYSTORE);
    const recipient = header.supplementary?.remotePartyId ?? header.recipient;
    const peer = keystore.trustStore.forEui(recipient, 'keyAgreement')!;
    const secret = await keystore.secureElement.ecdh(header.originator, peer.publicKeyDer);
    const key = gbzEncryptionKey(secret, header);
    expect(key.equals(deriveKey(secret, { originator: header.originator, kind: 'encryption', counter: header.originatorCounter, recipient }))).toBe(true);
    return { component, key, originator: header.originator, body: decryptGbzComponent(component, key, header.originator) };
  }

  it('GCS13a: the read attributes and, decrypted, their values; re-encrypting gives the same bytes', async () => {
    const command = view<GbzPayload>('GCS13a_4.1.1_SUCCESS_RELIABLE_GPF_COMMAND_GBCS.HEX');
    expect(command.gbz === 'components' && command.components[0]!.body).toEqual({ kind: 'read-attributes', attributeIds: [0x0302, 0x0301, 0x0300, 0x0000] });
    const { component, key, originator, body } = await decrypted('GCS13a_4.1.1_SUCCESS_RELIABLE_GPF_RESPONSE_GBCS.HEX');
    expect(component.clusterId).toBe(0x0702);
    expect(body.kind === 'read-attributes-response' && body.records.map((record) => [record.attributeId, record.value])).toEqual([
      [0x0302, 1000],
      [0x0301, 1],
      [0x0300, 1],
      [0x0000, 12345],
    ]);
    const again = encryptGbzBody(body, component, key, originator);
    expect(component.body).toEqual(again);
  });

  it('GCS61: the daily consumption samples the command asked for', async () => {
    const command = view<GbzPayload>('GCS61_4.17_SUCCESS_COMMAND_GBCS.HEX');
    const asked = command.gbz === 'components' ? command.components[0]!.body : undefined;
    expect(asked).toMatchObject({ kind: 'command', name: 'Get Sampled Data', fields: { sampleId: 1, sampleType: 0 } });
    const { body } = await decrypted('GCS61_4.17_SUCCESS_RESPONSE_GBCS.HEX');
    expect(body).toMatchObject({ kind: 'command', name: 'Get Sampled Data Response', fields: { sampleId: 1, numberOfSamples: 11 } });
    expect(body.kind === 'command' && (body.fields['samples'] as number[]).length).toBe(11);
    const notFound = view<GbzPayload>('GCS61_4.17_NOT_FOUND_RESPONSE_GBCS.HEX');
    expect(notFound.gbz === 'components' && notFound.components[0]!.body).toEqual({ kind: 'default-response', commandId: 0x08, status: 0x8b });
  });

  it('a wrong key is refused as a MAC failure', async () => {
    const { component, originator } = await decrypted('GCS13a_4.1.1_SUCCESS_UNRELIABLE_RESPONSE_GBCS.HEX');
    expect(() => decryptGbzComponent(component, Buffer.alloc(16), originator)).toThrow(expect.objectContaining({ code: 'MAC_INVALID' }));
  });
});
