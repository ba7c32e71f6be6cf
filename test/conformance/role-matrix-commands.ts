import type { ManualClock } from '../../hal/clock.js';
import { withInstallCodeCrc } from '../../hal/install-code.js';
import { CS11 } from '../../src/chf/use-cases/cs11-clear-event-log.js';
import { ECS26I } from '../../src/chf/use-cases/ecs26i-read-chf-identity.js';
import { ECS26N } from '../../src/chf/use-cases/ecs26n-read-identity.js';
import { ECS52 } from '../../src/chf/use-cases/ecs52-read-firmware-version.js';
import { ECS35d } from '../../src/gbcs/payload/dlms/index.js';
import { decodeMessage } from '../../src/gbcs/index.js';
import { encodeAsn1 } from '../../src/gbcs/payload/asn1/views.js';
import { CCS01, CCS02, CCS03 } from '../../src/gbcs/payload/dlms/index.js';
import { DBCH02 } from '../../src/chf/use-cases/dbch02-read-sub-ghz-channel-log.js';
import { DBCH05 } from '../../src/chf/use-cases/dbch05-request-sub-ghz-channel-scan.js';
import { encodeGbz, type GbzComponent } from '../../src/gbcs/payload/gbz/index.js';
import { GasProxyData, GpfDeviceLog } from '../../src/gpf/index.js';
import { restoreCommand } from '../../src/gpf/use-cases/gcs59-restore-gpf-device-log.js';
import type { GbcsHubOptions } from '../../src/hub/gbcs-hub.js';
import type { HubSeed } from '../../src/hub/seed.js';
import type { Store } from '../../src/store/index.js';
import type { SecurityEventSink } from '../../src/logs/hub-logs.js';
import { PIN_DOMAIN, PinStore } from '../../src/security/pin-store.js';
import { SUPPLY_ARRANGEMENT_DOMAIN } from '../../src/security/supply-arrangement.js';
import { SubGhzState } from '../../src/subghz/index.js';
import { loadVectors } from '../helpers/rtds.js';
import { RadioDouble } from '../src/han/admission-radio-double.js';
import { TEST_SCRYPT } from '../src/security/pin-helpers.js';
import { TableRadio } from '../src/subghz/helpers.js';
import { CHF_STATES } from './chf-seeds.js';
import type { ConformanceHub, HarnessOptions } from './harness.js';

/**
 * One well-formed command per Message Code the hub executes, and the state that lets a party who
 * may send it be answered: the role matrix (role-matrix.test.ts) sends each to every remote party
 * role. Payloads are the RTDS's where it has the use case, else built from the use case's codec.
 */
export interface MatrixCommand {
  useCase: string;
  messageCode: number;
  device: 'CHF' | 'GPF';
  /** SME.C.C: originated and signed by the party itself. */
  critical: boolean;
  payload(): Buffer;
  seed?: HubSeed;
  /** Its allowed cells start work that outlives the command (a channel scan): a hub of its own. */
  ownHub?: boolean;
  /** The row's name where one use case has several (CCS01 for an ESME, for a GSME); default the use case. */
  label?: string;
  /** CCS01, CCS02: whether the Device added or removed is a Type 1 or a Type 2 (receive-only) Device. */
  deviceClass?: 'type1' | 'type2';
  /**
   * Puts back, before each cell, what the row's authority depends on: CCS02 is judged by the type
   * the Device Log holds for the Device, and an allowed cell before has removed it.
   */
  prepare?(harness: ConformanceHub): Promise<void>;
}

function rtdsPayload(name: string): Buffer {
  const vector = loadVectors().find((v) => v.name === name);
  if (!vector) throw new Error(`no RTDS vector ${name}`);
  return decodeMessage(vector.bytes).payload;
}

const gbz = (components: GbzComponent[]) =>
  encodeGbz({ gbz: 'components', profileId: 0x0109, components: components.map((c, i) => ({ ...c, control: i === components.length - 1 ? 0x01 : 0x00 })) });

const reads = (...parts: Array<[clusterId: number, ids: number[]]>): Buffer =>
  gbz(parts.map(([clusterId, attributeIds], i) => ({ control: 0, clusterId, zcl: { frameControl: 0x00, sequence: i, commandId: 0x00 }, body: { kind: 'read-attributes', attributeIds } })));

const METERING = 0x0702;
const PREPAYMENT = 0x0705;
const PRICE = 0x0700;
const FORMAT = [0x0300, 0x0301, 0x0302];

/** Get Prepay Snapshot for the two days before the RTDS's now, offset 0, any cause. */
function getPrepaySnapshot(): Buffer {
  const body = Buffer.alloc(13);
  body.writeUInt32LE(473_212_800, 0);
  body.writeUInt32LE(473_385_599, 4);
  body.writeUInt8(0, 8);
  body.writeUInt32LE(0xffffffff, 9);
  return gbz([{ control: 0, clusterId: PREPAYMENT, zcl: { frameControl: 0x01, sequence: 0, commandId: 0x07 }, body: { kind: 'raw', bytes: body } }]);
}

const range = (classId: number, obis: string) => ({ restrictingObject: { classId, logicalName: Buffer.from(obis, 'hex'), attributeIndex: 2, dataIndex: 0 }, from: 0, to: 0xffffffff, selectedValues: [] });

/** CCS03's backup: the RTDS ESME, no key, on a new extended PAN id. */
function restoreChfLog(): Buffer {
  const restorePan = { extendedPanId: Buffer.from('AABBCCDDEEFF0011', 'hex'), devices: [{ deviceId: '00DB1234567890A0', hashedTcLinkKey: Buffer.alloc(0) }] };
  return CCS03.encodeCommand({ invokeId: 9, parameters: { restorePan } });
}

/**
 * CS02b for `code`: its own replacement mode (code − 0x0100), an authorising sequence number and
 * no replacement, so an allowed sender is answered and the trust anchors stay as they were for
 * the next party.
 */
function credentialsUpdate(code: number): Buffer {
  const int = (n: number) => Buffer.from([0x02, 0x01, n]);
  const seq = (...parts: Buffer[]) => Buffer.concat([Buffer.from([0x30, Buffer.concat(parts).length]), ...parts]);
  return seq(seq(int(code - 0x0100), Buffer.from('830101', 'hex')), seq(), seq());
}

const ESME = '00DB1234567890A0';
const GSME = '00DB1234567890A1';
const CAD = '00DB1234567890B6';
const RTDS_GPF = '00DB1234567890A3';

/** The RTDS CCS01 (its install code and join timeout) for another Device and GBCS DeviceType code. */
function registerDevice(deviceId: string, deviceType: number): Buffer {
  const command = CCS01.decodeCommand(rtdsPayload('CCS01_8.11_SUCCESS_COMMAND_GBCS.HEX'));
  return CCS01.encodeCommand({ ...command, parameters: { ...command.parameters, registerDevice: { ...command.parameters.registerDevice!, deviceId, deviceType } } });
}

const unregisterDevice = (eui64: string) => CCS02.encodeCommand({ invokeId: 5, parameters: { unregisterDevice: eui64 } });

const INSTALL_CODE = '30313233343536373839414243444546';

/** CCS02 of a Device the Device Log holds as `deviceType` when each cell is sent. */
function removal(eui64: string, deviceType: string, payload: () => Buffer, seed: HubSeed): MatrixCommand {
  // The Device Log takes the code with its CRC, as CCS01 hands it on.
  const installCode = deviceType === 'GPF' ? {} : { installCode: withInstallCodeCrc(Buffer.from(INSTALL_CODE, 'hex')) };
  return {
    ...chf('CCS02', 0x0002, payload, seed),
    prepare: async (harness) => {
      if (!harness.hub.chf.deviceLog.has(eui64)) await harness.hub.chf.deviceLog.add({ eui64, deviceType, ...installCode });
    },
  };
}

/** GCS11: the consumer-menu password emptied, now (the only form 3.5 has over the WAN). */
function disablePrivacyPin(): Buffer {
  const fields = { issuerEventId: 1, implementationDateTime: 0, durationInMinutes: 0, passwordType: 0x02, password: Buffer.alloc(0) };
  return gbz([{ control: 0, clusterId: 0x0708, zcl: { frameControl: 0x09, sequence: 0, commandId: 0x02 }, body: { kind: 'command', name: 'Request New Password Response', fields } }]);
}

const CS02B_CODES = [0x0100, 0x0101, 0x0102, 0x0103, 0x0104, 0x0105, 0x0106, 0x0107, 0x0108, 0x0109];

const chf = (useCase: string, messageCode: number, payload: () => Buffer, seed?: HubSeed): MatrixCommand => ({
  useCase, messageCode, device: 'CHF', critical: false, payload, ...(seed ? { seed } : {}),
});
const gpf = (useCase: string, messageCode: number, payload: () => Buffer): MatrixCommand => ({ useCase, messageCode, device: 'GPF', critical: false, payload });

export const MATRIX_COMMANDS: readonly MatrixCommand[] = [
  { ...chf('CCS01', 0x0001, () => rtdsPayload('CCS01_8.11_SUCCESS_COMMAND_GBCS.HEX'), CHF_STATES['CCS01_SUCCESS']!.seed), label: 'CCS01 ESME', deviceClass: 'type1' },
  { ...chf('CCS01', 0x0001, () => registerDevice(CAD, 6), CHF_STATES['CCS01_SUCCESS']!.seed), label: 'CCS01 Type 2', deviceClass: 'type2' },
  { ...removal(ESME, 'ESME', () => rtdsPayload('CCS02_8.11_SUCCESS_COMMAND_GBCS.HEX'), CHF_STATES['CCS02_SUCCESS']!.seed), label: 'CCS02 ESME', deviceClass: 'type1' },
  chf('CCS03', 0x0003, restoreChfLog, CHF_STATES['CCS07_SUCCESS']!.seed),
  // 0x0004 reads what CCS06 reads, with the same payload.
  chf('CCS04', 0x0004, () => rtdsPayload('CCS06_8.9_SUCCESS_COMMAND_GBCS.HEX'), CHF_STATES['CCS06_SUCCESS']!.seed),
  chf('CCS06', 0x010f, () => rtdsPayload('CCS06_8.9_SUCCESS_COMMAND_GBCS.HEX'), CHF_STATES['CCS06_SUCCESS']!.seed),
  chf('CCS07', 0x00fe, () => rtdsPayload('CCS07_8.9_SUCCESS_COMMAND_GBCS.HEX'), CHF_STATES['CCS07_SUCCESS']!.seed),
  // Authorising cell (supplier, digital signature); roles asked about: supplier, ACB.
  chf('CS02a', 0x0008, () => Buffer.from('3011' + '300702010203020780' + '3006020102020104', 'hex')),
    // accessControlBrokerByACB is the one CS02b the RTDS has MACed by the ACB, unsigned.
  ...CS02B_CODES.map((code): MatrixCommand => ({ useCase: 'CS02b', messageCode: code, device: 'CHF', critical: code !== 0x0104, payload: () => credentialsUpdate(code) })),
  // A cancellation: nothing is pending, so every allowed cell is answered and changes nothing for the next.
  { ...chf('CS06', 0x0012, () => rtdsPayload('CS06_11.3_CANCELLATION_SUCCESS_COMMAND_GBCS.HEX')), critical: true },
  chf('CS07', 0x0013, () => Buffer.from('0500', 'hex'), CHF_STATES['CCS06_SUCCESS']!.seed),
  chf('CS11', 0x0015, () => CS11.encodeCommand({ invokeId: 7, parameters: { reset: { type: 'integer', value: 0 } } }), CHF_STATES['ECS35c_SUCCESS']!.seed),
  chf('ECS26i', 0x0092, () => ECS26I.encodeCommand({ invokeId: 3, parameters: { deviceId: undefined, manufacturerId: undefined, modelType: undefined } })),
  chf('ECS26n', 0x00fa, () => ECS26N.encodeCommand({ invokeId: 3, parameters: { manufacturerId: undefined, modelType: undefined } })),
  chf('ECS35c', 0x0093, () => rtdsPayload('ECS35c_6.13_SUCCESS_COMMAND_GBCS.HEX'), CHF_STATES['ECS35c_SUCCESS']!.seed),
  chf('ECS52', 0x0059, () => ECS52.encodeCommand({ invokeId: 3, parameters: { firmwareVersion: undefined } })),
  chf('ECS35d', 0x0094, () => ECS35d.encodeCommand({ invokeId: 8, parameters: { eventLog: range(8, '0000010000ff') } })),
  chf('DBCH01', 0x010a, () => rtdsPayload('DBCH01_6.31_SUCCESS_COMMAND_GBCS.HEX')),
  chf('DBCH02', 0x010b, () => DBCH02.encodeCommand({ invokeId: 0x20000001, parameters: { channelLog: range(1, '00005e2c64ff') } })),
  chf('DBCH03', 0x010c, () => rtdsPayload('DBCH03_6.30_SUCCESS_COMMAND_GBCS.HEX')),
  chf('DBCH04', 0x010d, () => rtdsPayload('DBCH04_6.28_SUCCESS_COMMAND_GBCS.HEX')),
  { ...chf('DBCH05', 0x010e, () => DBCH05.encodeCommand({ invokeId: 0x20000001, parameters: { channelScan: 0 } })), ownHub: true },
  // The GPF holds trust anchors of its own: each CS02b to it too (its supplier anchor is the gas supplier's).
  ...CS02B_CODES.map((code): MatrixCommand => ({ useCase: 'CS02b', messageCode: code, device: 'GPF', critical: code !== 0x0104, payload: () => credentialsUpdate(code), label: `GPF CS02b 0x${code.toString(16).padStart(4, '0')}` })),
  gpf('GCS09', 0x0072, () => rtdsPayload('GCS09_3.2_SUCCESS_COMMAND_GBCS.HEX')),
  gpf('GCS11', 0x0073, disablePrivacyPin),
  gpf('GCS13a', 0x0074, () => reads([METERING, [0x0000, ...FORMAT]])),
  gpf('GCS13b', 0x00b8, () => reads([METERING, [0x0700, 0x0701, 0x0702, 0x0703, ...FORMAT]])),
  gpf('GCS13c', 0x00b6, () => reads([METERING, [0x0100, 0x0102, 0x0104, 0x0106, ...FORMAT]])),
  gpf('GCS14', 0x0075, () => reads([PRICE, [0x0617, 0x0616]], [PREPAYMENT, [0x0005, 0x0002, 0x0001, 0x0231, 0x0211, 0x0221]])),
  gpf('GCS16b', 0x0096, getPrepaySnapshot),
  gpf('GCS59', 0x008c, () => encodeAsn1(restoreCommand, { entries: [{ deviceId: '00DB1234567890A4', deviceType: 3 }] })),
  gpf('GCS60', 0x008d, () => reads([METERING, [0x0a00]], [PREPAYMENT, [0x0001]])),
  gpf('GCS60a', 0x012a, () => reads([METERING, [0x0a00]], [PREPAYMENT, [0x0001]])),
  gpf('GCS61', 0x00a0, () => rtdsPayload('GCS61_4.17_SUCCESS_COMMAND_GBCS.HEX')),
];

/** Both meters, the GPF and a Type 2 Device in the Device Log. */
const METERS_AND_CAD: HubSeed = {
  ...CHF_STATES['CCS02_SUCCESS']!.seed,
  devices: [...(CHF_STATES['CCS02_SUCCESS']!.seed.devices ?? []), { eui64: CAD, deviceType: 'Type2', installCode: INSTALL_CODE }, { eui64: RTDS_GPF, deviceType: 'GPF' }],
};
/** The electricity meter and the GPF: the gas supplier has withdrawn its meter. */
const ESME_ONLY: HubSeed = { ...METERS_AND_CAD, devices: (METERS_AND_CAD.devices ?? []).filter((device) => device.eui64 === ESME || device.eui64 === RTDS_GPF) };

/**
 * Device Log changes whose authority depends on the Device: who supplies it (the GSME is the gas
 * supplier's), whether it is Type 2, and whether removing it decommissions the hub (the GPF).
 */
export const DEVICE_LOG_COMMANDS: readonly MatrixCommand[] = [
  { ...chf('CCS01', 0x0001, () => registerDevice(GSME, 0), CHF_STATES['CCS01_SUCCESS']!.seed), label: 'CCS01 GSME', deviceClass: 'type1' },
  { ...removal(GSME, 'GSME', () => unregisterDevice(GSME), METERS_AND_CAD), label: 'CCS02 GSME', deviceClass: 'type1' },
  { ...removal(CAD, 'Type2', () => unregisterDevice(CAD), METERS_AND_CAD), label: 'CCS02 Type 2', deviceClass: 'type2' },
  // Its own hub: an allowed CCS02 GSME before it would have taken the GSME away.
  { ...removal(RTDS_GPF, 'GPF', () => unregisterDevice(RTDS_GPF), METERS_AND_CAD), label: 'CCS02 GPF, GSME held', deviceClass: 'type1', ownHub: true },
  { ...removal(RTDS_GPF, 'GPF', () => unregisterDevice(RTDS_GPF), ESME_ONLY), label: 'CCS02 GPF', deviceClass: 'type1' },
];

/** Every row of the matrices. */
export const ALL_ROWS: readonly MatrixCommand[] = [...MATRIX_COMMANDS, ...DEVICE_LOG_COMMANDS];

const RTDS_NOW = Date.UTC(2015, 0, 1);

/** Store domains beyond the harness's own that the GPF and Sub GHz state keep, for the snapshots. */
export const MATRIX_DOMAINS: NonNullable<HarnessOptions['domains']> = [
  { name: 'gpfRegisters', personal: true },
  { name: 'gpfSettings', personal: true },
  { name: 'gpfDailyReadLog', personal: true },
  { name: 'gpfPrepaymentDailyReadLog', personal: true },
  { name: 'gpfDailyConsumptionLog', personal: true },
  { name: 'gpfDeviceLog' },
  { name: 'subGhzConfiguration' },
  { name: 'subGhzChannelLog' },
  { name: 'subGhzScan' },
  { name: PIN_DOMAIN, personal: true },
  { name: SUPPLY_ARRANGEMENT_DOMAIN.name },
];

/**
 * Everything any matrix command reads, opened on the harness's store: the GPF holding a reading
 * (with prepayment registers), daily consumption and prepayment daily reads; a Sub GHz network on
 * page 28 channel 0; a radio to form the HAN for CCS03; the PIN store (no privacy PIN set, so
 * GCS11 removing none succeeds), writing to the hub's own Security Log once `attach` names it.
 */
export class MatrixState {
  private securityLog: SecurityEventSink | undefined;
  private subGhz: SubGhzState | undefined;

  readonly extras = async (store: Store, clock: ManualClock): Promise<Partial<GbcsHubOptions>> => {
    const data = await GasProxyData.open(store);
    const deviceLog = await GpfDeviceLog.open(store);
    await data.recordReading({
      at: RTDS_NOW, consumption: 12.345, blockCounters: [0, 0.001, 0.002, 0.003], touRegisters: [1, 2, 3, 4],
      prepayment: { meterBalance: 2500, emergencyCreditBalance: 500, accumulatedDebt: 0, paymentDebt: 0, timeDebts: [] },
    });
    const days = [48714, 17550, 49289, 2911, 58750, 13734, 49214, 11786, 42749, 46370, 5360];
    await data.recordDailyConsumption(days.map((litres, i) => ({ day: new Date(Date.UTC(2014, 11, 22 + i)).toISOString().slice(0, 10), consumption: litres / 1000 })));
    await data.recordPrepaymentDailyRead({ day: '2014-12-31', at: Date.UTC(2014, 11, 31, 9), accumulatedDebt: 0, timeDebts: [0, 0], paymentDebt: 0, emergencyCreditBalance: 0, meterBalance: 1 });
    const securityLog: SecurityEventSink = { record: (code, detail) => this.securityLog!.record(code, detail) };
    const pins = await PinStore.open(store, { clock, securityLog, scrypt: TEST_SCRYPT });
    this.subGhz = await SubGhzState.open(store, { clock, radio: new TableRadio() });
    await this.subGhz.adoptChannel({ page: 28, channel: 0 });
    clock.set(RTDS_NOW);
    return { gpf: { data, deviceLog, pins }, subGhz: this.subGhz, network: new RadioDouble(clock) };
  };

  attach(harness: ConformanceHub): void {
    this.securityLog = harness.hub.chf.securityLog;
  }

  async close(): Promise<void> {
    await this.subGhz?.close();
  }
}
