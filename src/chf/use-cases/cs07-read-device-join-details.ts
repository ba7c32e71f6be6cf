// CS07: read which Devices the CHF is joined to: every Device in its Device Log, with its GBCS Device Type.
import { HubError } from '../../../hal/errors.js';
import { eui64ToBytes } from '../../../hal/eui64.js';
import { decodeAsn1, encodeAsn1, readFirmwareVersionCommand } from '../../gbcs/payload/asn1/index.js';
import { defineHandler } from '../../use-case/index.js';
import { DEVICE_TYPES } from '../../security/device-types.js';
import { readDeviceJoinDetailsResponse } from './credential-shapes.js';

const RESPONSE_CODE = { success: 0, readFailure: 1 } as const;

export const cs07 = defineHandler({
  useCase: 'CS07',
  device: 'CHF',
  // The command is an ASN.1 NULL.
  decodeCommand: (payload) => decodeAsn1(readFirmwareVersionCommand, payload),
  async handle(context) {
    let value: { responseCode: number; devices?: Array<{ deviceId: Buffer; deviceType: number }> };
    try {
      await context.chf.deviceLog.flush();
      // A Device Type GBCS gives no code (the HHT) cannot be reported in this structure.
      const devices = context.chf.deviceLog.list().flatMap((entry) => {
        const code = DEVICE_TYPES[entry.deviceType].code;
        return code === null ? [] : [{ deviceId: eui64ToBytes(entry.eui64), deviceType: code }];
      });
      value = { responseCode: RESPONSE_CODE.success, devices };
    } catch (error) {
      // The hub's own state failing is a read failure; anything else is a bug and propagates.
      if (!(error instanceof HubError)) throw error;
      value = { responseCode: RESPONSE_CODE.readFailure };
    }
    return { payload: encodeAsn1(readDeviceJoinDetailsResponse, value) };
  },
});
