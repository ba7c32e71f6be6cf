import { decodeDer, encodeDer } from './der.js';
import { eitherNullOr, eui64, generalizedTime, integer, nothing, octetString, sequence, sequenceOf, type Asn1Shape, type Asn1Value } from './shape.js';

/**
 * The GBCS ASN.1 payloads of the use cases in the Reference Test Data Set, declared as shapes.
 * Alert codes travel as INTEGERs (0x8F8A is 02 03 00 8F 8A).
 */
export const firmwareTransferAlert = sequence({
  alertCode: integer,
  executionDateTime: generalizedTime,
  /** The Device the image was for. */
  entityId: eui64,
  firmwareVersion: octetString(),
  /** 0 success, 1 image discarded, 2 hardware version mismatch, 3 file transfer failure. */
  responseCode: integer,
});
export type FirmwareTransferAlert = Asn1Value<typeof firmwareTransferAlert>;

export const gpfDeviceLogEntry = sequence({
  deviceId: eui64,
  /** GBCS Device Type (0 GSME, 1 ESME, 2 CHF, 3 GPF, 4 HCALCS, 5 PPMID, 6 Type 2). */
  deviceType: integer,
});

export const gpfDeviceLogBackupAlert = sequence({
  alertCode: integer,
  backupDateTime: generalizedTime,
  devices: sequenceOf(gpfDeviceLogEntry),
});
export type GpfDeviceLogBackupAlert = Asn1Value<typeof gpfDeviceLogBackupAlert>;

const activationOutcome = sequence({
  /** 0 success, 1 no image held, 2 hash mismatch, 3 activation failure. */
  responseCode: integer,
  firmwareVersion: octetString(),
});

export const activateFirmwareCommand = sequence(
  { manufacturerImageHash: octetString(32), originatorCounter: integer, executionDateTime: generalizedTime },
  ['executionDateTime'],
);
export type ActivateFirmwareCommand = Asn1Value<typeof activateFirmwareCommand>;

/** NULL when a future-dated activation is accepted, else the outcome. */
export const activateFirmwareResponse = eitherNullOr(activationOutcome);

export const activateFirmwareAlert = sequence({
  alertCode: integer,
  executionDateTime: generalizedTime,
  originatorCounter: integer,
  outcome: activationOutcome,
});

export const readFirmwareVersionCommand = nothing;

export const readFirmwareVersionResponse = sequence({
  firmwareVersion: octetString(),
  /** 0 read success, 1 read failure. */
  responseCode: integer,
});

/** Decode a whole payload with a shape (DER checked first). Throws only PayloadError. */
export function decodeAsn1<T>(shape: Asn1Shape<T>, payload: Buffer): T {
  return shape.decode(decodeDer(payload), 'payload');
}

export function encodeAsn1<T>(shape: Asn1Shape<T>, value: T): Buffer {
  return encodeDer(shape.encode(value, 'payload'));
}
