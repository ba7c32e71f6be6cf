import { parseInstallCode } from '../../hal/install-code.js';
import type { Eui64 } from '../../hal/radio.js';
import { DEVICE_TYPES, type DeviceType } from '../security/device-types.js';
import { messageCodesFor } from '../gbcs/index.js';
import { CCS01, CCS06 } from '../gbcs/payload/dlms/index.js';
import { encodeGbz } from '../gbcs/payload/gbz/index.js';
import { HeadEndError } from './demo-keys.js';
import type { HeadEndMessage } from './head-end.js';
import { CLUSTER } from '../../hal/zcl/index.js';

/**
 * The commands the demo head end builds, one per use case, from the project's payload encoders.
 * Each carries what GBCS has it carry (the RTDS's own shapes): CCS01 and CCS06 sent by the Access
 * Control Broker for the supplier, GCS13a by the supplier to the GPF.
 */

/** The DLMS invoke-id GBCS sets: the command's counter in the low bits, with the high-priority flag the RTDS has. */
const invokeId = (counter: bigint): number => 0x20000000 | Number(counter & 0xffffffn);

function codeOf(useCase: string): number {
  const [code] = messageCodesFor(useCase);
  if (code === undefined) throw new HeadEndError('HEADEND_UNKNOWN_USE_CASE', `${useCase} has no Message Code`, { where: useCase });
  return code;
}

export function ccs06Command(counter: bigint): HeadEndMessage {
  return {
    device: 'CHF',
    messageCode: codeOf('CCS06'),
    sender: 'accessControlBroker for supplier',
    payload: CCS06.encodeCommand({ invokeId: invokeId(counter), parameters: { activeDevices: undefined } }),
  };
}

export interface AddDevice {
  eui64: Eui64;
  deviceType: DeviceType;
  /** As on the Device's label: the code and its CRC (checked here; the command carries the code alone). Personal data. */
  installCode: string;
  joinTimeoutSeconds: number;
}

export function ccs01Command(counter: bigint, device: AddDevice): HeadEndMessage {
  const code = DEVICE_TYPES[device.deviceType].code;
  if (code === null) throw new HeadEndError('HEADEND_BAD_DEVICE_TYPE', `a ${device.deviceType} has no GBCS Device Type code`, { where: 'type' });
  const withCrc = parseInstallCode(device.installCode, 'install code');
  return {
    device: 'CHF',
    messageCode: codeOf('CCS01'),
    sender: 'accessControlBroker for supplier',
    payload: CCS01.encodeCommand({
      invokeId: invokeId(counter),
      parameters: {
        registerDevice: { deviceId: device.eui64, deviceType: code, installCode: withCrc.subarray(0, withCrc.length - 2), option: 0 },
        joinTimeout: device.joinTimeoutSeconds,
        joiningEnabled: true,
      },
    }),
  };
}

const METERING_CLUSTER = CLUSTER.metering;
/** CurrentSummationDelivered, then the unit of measure, multiplier and divisor, as the RTDS GCS13a reads them (last first). */
const CONSUMPTION_ATTRIBUTES = [0x0302, 0x0301, 0x0300, 0x0000];

export function gcs13aCommand(): HeadEndMessage {
  return {
    device: 'GPF',
    messageCode: codeOf('GCS13a'),
    sender: 'supplier',
    payload: encodeGbz({
      gbz: 'components',
      profileId: 0x0109,
      components: [{ control: 0x01, clusterId: METERING_CLUSTER, zcl: { frameControl: 0x00, sequence: 0, commandId: 0x00 }, body: { kind: 'read-attributes', attributeIds: CONSUMPTION_ATTRIBUTES } }],
    }),
  };
}
