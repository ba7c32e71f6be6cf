import type { Eui64 } from '../../hal/radio.js';
import type { OutboxStats } from './outbox.js';

/**
 * The telemetry snapshot the hub publishes (retained, JSON) on `<prefix>/<CHF>/telemetry`: how long
 * it has run, the WAN link, the outbox against its quota, the HAN Devices and when each was last
 * heard, queue depths and radio health. The WAN layer fills in its own parts; the composition root
 * supplies the rest through a `HubHealthSource`, so this layer imports nothing above or below it.
 */
export interface HanDeviceContact {
  eui64: Eui64;
  /** The Device Log's type (ESME, GSME, Type2...), when known. */
  type?: string;
  /** Clock.now() of the last frame heard from it; absent when never heard. */
  lastContact?: number;
  /** The Device joined but its TC link key could not be read from the radio: the Device Log has none. */
  linkKeyUnreadable?: boolean;
}

export interface HubHealth {
  han?: { devices: HanDeviceContact[] };
  /** Queue name to depth (the sleepy GSME queue, the radio's outgoing frames...). */
  queues?: Record<string, number>;
  /** Radio figures: channel, frames sent and failed, retries, ASH resets, energy readings... */
  radio?: Record<string, number | string | boolean>;
}

export type HubHealthSource = () => HubHealth | Promise<HubHealth>;

export interface WanLinkFigures {
  broker: string;
  protocol: '5' | '3.1.1' | undefined;
  connected: boolean;
  connectedSince: number | undefined;
  reconnects: number;
  lastError: { code: string; message: string } | undefined;
  commandsReceived: number;
  messagesDelivered: number;
}

export interface Telemetry {
  hub: Eui64;
  at: string;
  uptimeSeconds: number;
  wan: Omit<WanLinkFigures, 'connectedSince'> & { connectedSince: string | null };
  outbox: Omit<OutboxStats, 'oldestQueuedAt'> & { oldestQueuedAt: string | null; alarm: boolean };
  han: { devices: Array<{ eui64: Eui64; type?: string; lastContact: string | null; linkKeyUnreadable?: true }> };
  queues: Record<string, number>;
  radio: Record<string, number | string | boolean>;
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export function buildTelemetry(parts: { hub: Eui64; now: number; uptimeMs: number; wan: WanLinkFigures; outbox: OutboxStats; health: HubHealth }): Telemetry {
  const { wan, outbox, health } = parts;
  return {
    hub: parts.hub,
    at: new Date(parts.now).toISOString(),
    uptimeSeconds: Math.floor(parts.uptimeMs / 1000),
    wan: { ...wan, connectedSince: iso(wan.connectedSince) },
    outbox: { ...outbox, oldestQueuedAt: iso(outbox.oldestQueuedAt), alarm: outbox.level !== 'normal' },
    han: {
      devices: (health.han?.devices ?? []).map((d) => ({
        eui64: d.eui64,
        ...(d.type === undefined ? {} : { type: d.type }),
        lastContact: iso(d.lastContact),
        ...(d.linkKeyUnreadable ? { linkKeyUnreadable: true as const } : {}),
      })),
    },
    queues: { wanOutbox: outbox.depth, ...health.queues },
    radio: { ...health.radio },
  };
}
