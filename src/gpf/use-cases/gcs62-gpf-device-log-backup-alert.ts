/** GCS62: whenever the GPF Device Log changes, the GPF sends a backup of it as an alert (0x8071, GPF Device Log Changed). */
import type { Clock } from '../../../hal/clock.js';
import { messageCodesFor, encodeAsn1, gpfDeviceLogBackupAlert } from '../../gbcs/index.js';
import type { AlertSink, HubIdentity } from '../../use-case/index.js';
import { HUB_EVENTS } from '../../logs/index.js';
import { DEVICE_TYPES } from '../../security/device-types.js';
import type { GpfDeviceLog, GpfDeviceLogEntry } from '../index.js';

export const GCS62_ALERT_CODE = HUB_EVENTS.gpfDeviceLogChanged.code;
const [GCS62_MESSAGE_CODE] = messageCodesFor('GCS62');

/** The alert payload: the code, when the backup was taken, and every entry in log order with its GBCS DeviceType. */
export function gcs62Payload(entries: readonly GpfDeviceLogEntry[], takenAt: number): Buffer {
  return encodeAsn1(gpfDeviceLogBackupAlert, {
    alertCode: GCS62_ALERT_CODE,
    backupDateTime: new Date(takenAt),
    devices: entries.map((entry) => ({ deviceId: entry.eui64, deviceType: DEVICE_TYPES[entry.deviceType].code! })),
  });
}

/** Raise GCS62 on every GPF Device Log change, stamped with the hub's time; returns the unsubscribe. */
export function watchGpfDeviceLog(deviceLog: GpfDeviceLog, identity: Pick<HubIdentity, 'gpf'>, clock: Clock, alerts: AlertSink): () => void {
  const onChange = (entries: GpfDeviceLogEntry[]): void => {
    const takenAt = clock.now();
    alerts.raise({ originator: identity.gpf, messageCode: GCS62_MESSAGE_CODE!, payload: () => gcs62Payload(entries, takenAt) });
  };
  deviceLog.on('changed', onChange);
  return () => deviceLog.off('changed', onChange);
}
