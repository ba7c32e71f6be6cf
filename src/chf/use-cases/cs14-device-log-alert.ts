// CS14: whenever an EUI-64 enters or leaves the CHF Device Log, or a Device's hashed TC link key changes, alert 0x8F12 with a full backup of the log.
import { CS14 } from '../../gbcs/payload/dlms/index.js';
import { messageCodesFor } from '../../gbcs/index.js';
import type { AlertSink, ChfState, HubIdentity } from '../../use-case/index.js';
import type { DeviceLogChange } from '../device-log.js';
import { alertInvokeId, gbcsTimestamp } from './dlms-answers.js';

export const CS14_ALERT_CODE = 0x8f12;
/** The Message Code CS14 alerts carry (those watching a join look for it). */
export const CS14_MESSAGE_CODE = messageCodesFor('CS14')[0]!;

/** The CS14 payload for one change: the log as it stood right after it, stamped with its time. */
export function cs14Payload(change: DeviceLogChange, extendedPanId: Buffer, counter: bigint): Buffer {
  const stamp = gbcsTimestamp(change.at);
  return CS14.encode({
    invokeId: alertInvokeId(counter),
    alertCode: CS14_ALERT_CODE,
    timestamp: stamp,
    body: {
      backupDateTime: stamp,
      extendedPanId,
      devices: change.devices.map((device) => ({ deviceId: device.eui64, hashedTcLinkKey: device.hashedTcLinkKey })),
    },
  });
}

/** Raise CS14 on every Device Log change; returns the unsubscribe. */
export function watchDeviceLog(chf: Pick<ChfState, 'deviceLog' | 'extendedPanId'>, identity: Pick<HubIdentity, 'chf'>, alerts: AlertSink): () => void {
  const onChange = (change: DeviceLogChange): void => {
    const extendedPanId = chf.extendedPanId();
    alerts.raise({ originator: identity.chf, messageCode: CS14_MESSAGE_CODE, payload: (counter) => cs14Payload(change, extendedPanId, counter), concerns: change.eui64s });
  };
  chf.deviceLog.on('changed', onChange);
  return () => chf.deviceLog.off('changed', onChange);
}
