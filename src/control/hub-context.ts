import type { Clock } from '../../hal/clock.js';
import type { DeviceLog, JoinWindows } from '../chf/index.js';
import type { FirmwareImages, TransferProgress } from '../firmware/index.js';
import type { GasProxyData } from '../gpf/index.js';
import type { HanAdmission, NetworkIdentity } from '../han/index.js';
import type { JoinProgress, Pairing } from '../installer/index.js';
import type { HubLogs } from '../logs/index.js';
import type { SecurityCredentials } from '../security/credentials.js';
import type { PinStore } from '../security/pin-store.js';
import type { Store } from '../store/index.js';
import type { ControlEvents } from './events.js';
import type { ControlContext } from './operation.js';

/** The parts of a running hub (src/compose.ts's Hub) the control API works on. */
export interface RunningHub {
  readonly clock: Clock;
  readonly store: Store;
  readonly logs: HubLogs;
  readonly deviceLog: DeviceLog;
  readonly admission: HanAdmission;
  readonly joinWindows: JoinWindows;
  readonly identity: NetworkIdentity;
  readonly network: { localEui64: string };
  readonly gpf: { data: GasProxyData; pins: PinStore };
  readonly firmware: { images: FirmwareImages; receiver: { progress(): TransferProgress[] } };
  readonly gbcs: { credentials: SecurityCredentials };
  /** `hub pair`'s actions and the join-progress stream. */
  readonly pairing: Pairing;
  readonly joinProgress: JoinProgress;
}

/** The running hub's live parts, for operations served over its control socket or the WAN. */
export function hubControlContext(hub: RunningHub, storePath: string, events: ControlEvents): ControlContext {
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
