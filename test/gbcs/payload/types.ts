import type { FirmwareTransferAlert, GpfDeviceLogBackupAlert } from '../../../src/gbcs/payload/asn1/index.js';

/** Typed values the tests read out of the ASN.1 views. */
export interface AsnValues {
  firmwareTransfer: FirmwareTransferAlert;
  gpfBackup: GpfDeviceLogBackupAlert;
}
