import type { JSONSchemaType } from 'ajv';
import { parseEui64 } from '../../../hal/eui64.js';
import type { DeviceLogEntry } from '../../chf/index.js';
import { DEVICE_TYPES } from '../../security/device-types.js';
import type { HistoricDeviceEntry } from '../../chf/index.js';
import { hashTcLinkKey, maskSecret } from '../../chf/index.js';
import type { Operation } from '../operation.js';
import { ControlError } from '../protocol.js';

/**
 * The CHF Device Log (the HAN whitelist): list, historic, add, remove. Install codes and keys leave
 * only masked or hashed.
 */
const when = (ms: number | undefined): string => (ms === undefined ? '' : new Date(ms).toISOString());

export interface DeviceRecord {
  eui64: string;
  deviceType: string;
  gbcsDeviceType: number | null;
  installCode: string;
  tcLinkKey: 'established' | 'none';
  hashedTcLinkKey: string;
  addedAt: string;
  lastCommunication: string;
  signalStrength: number | null;
}

export function deviceRecord(entry: DeviceLogEntry): DeviceRecord {
  return {
    eui64: entry.eui64,
    deviceType: entry.deviceType,
    gbcsDeviceType: DEVICE_TYPES[entry.deviceType].code,
    installCode: maskSecret(entry.installCode),
    tcLinkKey: entry.tcLinkKey ? 'established' : 'none',
    hashedTcLinkKey: hashTcLinkKey(entry.tcLinkKey).toString('hex'),
    addedAt: when(entry.addedAt),
    lastCommunication: when(entry.lastCommunication),
    signalStrength: entry.signalStrength ?? null,
  };
}

function historicRecord(entry: HistoricDeviceEntry) {
  return { eui64: entry.eui64, tcLinkKey: maskSecret(entry.tcLinkKey), hashedTcLinkKey: hashTcLinkKey(entry.tcLinkKey).toString('hex'), recordedAt: when(entry.recordedAt) };
}

type None = Record<string, never>;
const none = { type: 'object', additionalProperties: false } as const;

export const devicesList: Operation<None, { capacity: number; devices: DeviceRecord[] }> = {
  name: 'devices.list',
  wan: true,
  args: none,
  sealed: true,
  async run(context) {
    const log = await context.deviceLog();
    return { capacity: log.capacity, devices: log.list().map(deviceRecord) };
  },
};

export const devicesHistoric: Operation<None, { entries: Array<ReturnType<typeof historicRecord>> }> = {
  name: 'devices.historic',
  wan: true,
  args: none,
  sealed: true,
  async run(context) {
    return { entries: (await context.deviceLog()).historic.list().map(historicRecord) };
  },
};

export interface AddArgs {
  eui64: string;
  deviceType: string;
  installCode?: string;
}

export const devicesAdd: Operation<AddArgs, { added: boolean; installCodeTaken?: boolean; device: DeviceRecord }> = {
  name: 'devices.add',
  wan: true,
  args: {
    type: 'object',
    properties: { eui64: { type: 'string', maxLength: 64 }, deviceType: { type: 'string', maxLength: 32 }, installCode: { type: 'string', maxLength: 128, nullable: true } },
    required: ['eui64', 'deviceType'],
    additionalProperties: false,
  } satisfies JSONSchemaType<AddArgs>,
  sealed: true,
  creates: () => true,
  async run(context, args) {
    const log = await context.deviceLog();
    const outcome = await log.add(args);
    return { ...outcome, device: deviceRecord(log.get(parseEui64(args.eui64))!) };
  },
};

export const devicesRemove: Operation<{ eui64: string }, { removed: true; keptInHistoricLog: boolean }> = {
  name: 'devices.remove',
  wan: true,
  args: { type: 'object', properties: { eui64: { type: 'string', maxLength: 64 } }, required: ['eui64'], additionalProperties: false } satisfies JSONSchemaType<{ eui64: string }>,
  sealed: true,
  async run(context, { eui64 }) {
    const outcome = await (await context.deviceLog()).remove(eui64);
    if (!outcome.removed) throw new ControlError('DEVICE_NOT_IN_LOG', 'is not in the CHF Device Log', { where: eui64 });
    return outcome;
  },
};
