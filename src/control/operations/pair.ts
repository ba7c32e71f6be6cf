import type { JSONSchemaType } from 'ajv';
import { labelOf, type HanDevice, type InstallerMode, type JoinJourney, type JoinProgressEvent, type LabelArgs, type LabelVerdict, type PairOutcome, type Pairing } from '../../installer/index.js';
import { deviceRecord } from './devices.js';
import type { ControlContext, Operation, StreamOperation } from '../operation.js';
import { ControlError } from '../protocol.js';

/**
 * `hub pair` and the installer page: check a label, pair (add and/or open the join window), remove,
 * watch the join progress, and the HAN as a table. The install code comes in the arguments (over the
 * owner-only socket, never argv) and leaves only masked. All but `pair.devices` need the running hub.
 */

const labelProperties = {
  label: { type: 'string', maxLength: 512, nullable: true },
  eui64: { type: 'string', maxLength: 64, nullable: true },
  installCode: { type: 'string', maxLength: 128, nullable: true },
} as const;

function livePairing(context: ControlContext, what: string): Pairing {
  if (!context.pairing) throw new ControlError('HUB_NOT_RUNNING', `${what} needs the running hub (its radio and join windows): start it (hub start)`, { where: 'pair' });
  return context.pairing;
}

export const pairCheck: Operation<LabelArgs, LabelVerdict & { mode: InstallerMode }> = {
  name: 'pair.check',
  args: { type: 'object', properties: labelProperties, additionalProperties: false } satisfies JSONSchemaType<LabelArgs>,
  sealed: true,
  async run(context, args) {
    const pairing = livePairing(context, 'checking a label against the whitelist');
    return { ...pairing.check(labelOf(args)), mode: pairing.mode };
  },
};

export interface PairAddArgs extends LabelArgs {
  deviceType?: string;
}

export const pairAdd: Operation<PairAddArgs, PairOutcome> = {
  name: 'pair.add',
  args: { type: 'object', properties: { ...labelProperties, deviceType: { type: 'string', maxLength: 16, nullable: true } }, additionalProperties: false } satisfies JSONSchemaType<PairAddArgs>,
  sealed: true,
  async run(context, args, caller) {
    return livePairing(context, 'pairing').add(labelOf(args), args.deviceType, caller.channel);
  },
};

export const pairRemove: Operation<{ eui64: string }, { eui64: string; keptInHistoricLog: boolean }> = {
  name: 'pair.remove',
  args: { type: 'object', properties: { eui64: { type: 'string', maxLength: 64 } }, required: ['eui64'], additionalProperties: false } satisfies JSONSchemaType<{ eui64: string }>,
  sealed: true,
  async run(context, args, caller) {
    return livePairing(context, 'removing a Device as an installer').remove(args.eui64, caller.channel);
  },
};

/** What `pair.watch` sends: first every journey kept (or the one asked for), then each step as it happens, each with the hub's time for the countdowns. */
export type PairWatchEvent = { type: 'snapshot'; now: number; journeys: JoinJourney[] } | { type: 'progress'; now: number; event: JoinProgressEvent };

export const pairWatch: StreamOperation<{ eui64?: string }> = {
  name: 'pair.watch',
  args: { type: 'object', properties: { eui64: { type: 'string', maxLength: 64, nullable: true } }, additionalProperties: false } satisfies JSONSchemaType<{ eui64?: string }>,
  stream: true,
  async start(context, args, emit) {
    const progress = context.joinProgress;
    if (!progress) throw new ControlError('HUB_NOT_RUNNING', 'join progress comes only from a running hub: start it (hub start)', { where: 'pair watch' });
    const only = args.eui64 === undefined ? undefined : labelEui64(args.eui64);
    const journeys = progress.list().filter((journey) => only === undefined || journey.eui64 === only);
    emit({ type: 'snapshot', now: Date.now(), journeys } satisfies PairWatchEvent);
    const listener = (event: JoinProgressEvent) => {
      if (only === undefined || event.eui64 === only) emit({ type: 'progress', now: Date.now(), event } satisfies PairWatchEvent);
    };
    progress.on('progress', listener);
    return () => void progress.off('progress', listener);
  },
};

function labelEui64(text: string): string {
  return text.replace(/[\s:-]/g, '').toUpperCase();
}

export interface PairDevices {
  mode: InstallerMode | 'hub not running';
  capacity: number;
  devices: HanDevice[];
}

export const pairDevices: Operation<Record<string, never>, PairDevices> = {
  name: 'pair.devices',
  args: { type: 'object', additionalProperties: false },
  sealed: true,
  async run(context) {
    const log = await context.deviceLog();
    if (context.pairing) return { mode: context.pairing.mode, capacity: log.capacity, devices: context.pairing.devices() };
    // No hub: what the store says (no join in progress, no link quality heard).
    const devices = log.list().map((entry): HanDevice => {
      const record = deviceRecord(entry);
      return { eui64: entry.eui64, deviceType: entry.deviceType, installCode: record.installCode, linkKey: record.tcLinkKey, state: entry.tcLinkKey ? 'joined' : 'notJoined', lastHeard: entry.lastCommunication ?? null, rssi: entry.signalStrength ?? null, lqi: null };
    });
    return { mode: 'hub not running', capacity: log.capacity, devices };
  },
};
