import type { Hub } from '../hub.js';
import type { ControlEvents } from './events.js';
import type { ControlContext } from './operation.js';

/** The running hub's live parts, for operations served over its control socket or the WAN. */
export function hubControlContext(hub: Hub, storePath: string, events: ControlEvents): ControlContext {
  const ready = <T>(value: T) => async () => value;
  return {
    storePath,
    live: true,
    store: ready(hub.store),
    deviceLog: ready(hub.deviceLog),
    logs: ready(hub.logs),
    pins: ready(hub.gpf.pins),
    gasProxyData: ready(hub.gpf.data),
    networkIdentity: ready(hub.identity),
    firmware: ready({ images: hub.firmware.images, credentials: hub.gbcs.credentials, transfers: () => hub.firmware.receiver.progress() }),
    joinWindows: hub.joinWindows,
    events,
    pairing: hub.pairing,
    joinProgress: hub.joinProgress,
  };
}
