import { EventEmitter } from 'node:events';
import type { DeviceLog } from '../chf/index.js';
import type { JoinWindows } from '../chf/index.js';
import type { HanAdmission } from '../han/index.js';

/**
 * What a subscriber to the running hub hears, as it happens: the Device Log changing, join windows
 * opening phases, closing and being used, and admission refusing or admitting a Device. Keys and
 * install codes never appear here, only EUI-64s and outcomes.
 */
export type ControlEvent =
  | { type: 'deviceLog.changed'; kind: string; eui64s: string[]; at: number; size: number }
  | { type: 'joinWindow.phase'; eui64: string; phase: string; closesAt: number }
  | { type: 'joinWindow.joined'; eui64: string; phase: string; resumedWithHistoricKey: boolean }
  | { type: 'joinWindow.expired'; eui64: string }
  | { type: 'admission.linkKeyEstablished'; eui64: string }
  | { type: 'admission.refused'; eui64: string; code: string; reason: string }
  | { type: 'admission.deviceRemoved'; eui64: string };

export type ControlEventType = ControlEvent['type'];

export const CONTROL_EVENT_TYPES: readonly ControlEventType[] = [
  'deviceLog.changed',
  'joinWindow.phase',
  'joinWindow.joined',
  'joinWindow.expired',
  'admission.linkKeyEstablished',
  'admission.refused',
  'admission.deviceRemoved',
];

export type ControlEvents = EventEmitter<{ event: [ControlEvent] }>;

export interface HubEventSources {
  deviceLog: DeviceLog;
  joinWindows: JoinWindows;
  admission: HanAdmission;
}

/** One emitter for every subscriber, fed by the hub's own typed events; `close` detaches it. */
export function hubControlEvents({ deviceLog, joinWindows, admission }: HubEventSources): { events: ControlEvents; close: () => void } {
  const events: ControlEvents = new EventEmitter();
  // Each subscriber is a listener; many installers' pages at once are not a leak.
  events.setMaxListeners(0);
  const send = (event: ControlEvent) => events.emit('event', event);
  const handlers = {
    changed: ({ kind, eui64s, at, devices }: { kind: string; eui64s: string[]; at: number; devices: unknown[] }) => send({ type: 'deviceLog.changed', kind, eui64s, at, size: devices.length }),
    phase: ({ eui64, phase, closesAt }: { eui64: string; phase: string; closesAt: number }) => send({ type: 'joinWindow.phase', eui64, phase, closesAt }),
    joined: ({ eui64, phase, resumedWithHistoricKey }: { eui64: string; phase: string; resumedWithHistoricKey: boolean }) => send({ type: 'joinWindow.joined', eui64, phase, resumedWithHistoricKey }),
    expired: ({ eui64 }: { eui64: string }) => send({ type: 'joinWindow.expired', eui64 }),
    linkKey: ({ eui64 }: { eui64: string }) => send({ type: 'admission.linkKeyEstablished', eui64 }),
    refused: ({ eui64, code, reason }: { eui64: string; code: string; reason: string }) => send({ type: 'admission.refused', eui64, code, reason }),
    removed: ({ eui64 }: { eui64: string }) => send({ type: 'admission.deviceRemoved', eui64 }),
  };
  // Each (source, event, handler) once, so attaching and detaching cannot drift apart.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler takes its own event's payload
  const wiring: Array<[EventEmitter, string, (event: any) => void]> = [
    [deviceLog as EventEmitter, 'changed', handlers.changed],
    [joinWindows as EventEmitter, 'phase', handlers.phase],
    [joinWindows as EventEmitter, 'joined', handlers.joined],
    [joinWindows as EventEmitter, 'expired', handlers.expired],
    [admission as EventEmitter, 'linkKeyEstablished', handlers.linkKey],
    [admission as EventEmitter, 'refused', handlers.refused],
    [admission as EventEmitter, 'deviceRemoved', handlers.removed],
  ];
  for (const [source, name, handler] of wiring) source.on(name, handler);
  return {
    events,
    close: () => {
      for (const [source, name, handler] of wiring) source.off(name, handler);
      events.removeAllListeners();
    },
  };
}
