/**
 * GBCS Message Codes: the two bytes in the grouping header that name the use case. The hub's own
 * (CHF, GPF), the ones it relays over the HAN that appear in the Reference Test Data Set, and the
 * alert codes those use cases raise. `critical` marks the SME.C.C commands that must carry the
 * remote party's ECDSA signature.
 */
/** Which Device executes it: the CHF, the GPF, a HAN Device the hub relays to, or whichever the recipient is. */
export type MessageTarget = 'CHF' | 'GPF' | 'HAN' | 'any';

/** How the payload inside the envelope is encoded: DLMS COSEM xDLMS APDUs, GBZ (ZigBee cluster commands) or ASN.1 DER. */
export type PayloadFormat = 'dlms' | 'gbz' | 'asn1';

export interface MessageCodeEntry {
  code: number;
  useCase: string;
  title: string;
  target: MessageTarget;
  critical: boolean;
  /** Raised by a Device on its own; never a command. */
  alertOnly?: boolean;
  /** Absent where no vector or published structure settles it yet. */
  payload?: PayloadFormat;
}

type Row = [code: number, useCase: string, title: string, target: MessageTarget, critical?: 'critical' | 'alert'];

const ROWS: Row[] = [
  // CHF
  [0x0001, 'CCS01', 'Add Device to CHF Device Log', 'CHF'],
  [0x0002, 'CCS02', 'Remove Device from CHF Device Log', 'CHF'],
  [0x0003, 'CCS03', 'Restore CHF Device Log', 'CHF'],
  [0x010f, 'CCS06', 'Read CHF Device Log and check HAN communications', 'CHF'],
  [0x00fe, 'CCS07', 'Read CHF Device Logs', 'CHF'],
  [0x0128, 'CCS08', 'Firmware Transfer Alert', 'CHF', 'alert'],
  [0x0008, 'CS02a', 'Provide Security Credentials Details', 'any'],
  [0x0100, 'CS02b', 'Update Security Credentials (rootBySupplier)', 'any', 'critical'],
  [0x0101, 'CS02b', 'Update Security Credentials (rootByWanProvider)', 'any', 'critical'],
  [0x0102, 'CS02b', 'Update Security Credentials (supplierBySupplier)', 'any', 'critical'],
  [0x0103, 'CS02b', 'Update Security Credentials (networkOperatorByNetworkOperator)', 'any', 'critical'],
  [0x0104, 'CS02b', 'Update Security Credentials (accessControlBrokerByACB)', 'any', 'critical'],
  [0x0105, 'CS02b', 'Update Security Credentials (wanProviderByWanProvider)', 'any', 'critical'],
  [0x0106, 'CS02b', 'Update Security Credentials (transCoSByTransCoS)', 'any', 'critical'],
  [0x0107, 'CS02b', 'Update Security Credentials (supplierByTransCoS)', 'any', 'critical'],
  [0x0108, 'CS02b', 'Update Security Credentials (anyExceptAbnormalRootByRecovery)', 'any', 'critical'],
  [0x0109, 'CS02b', 'Update Security Credentials (anyByContingency)', 'any', 'critical'],
  [0x00cb, 'CS02b', 'Future-dated Update Security Credentials Alert', 'any', 'alert'],
  [0x000a, 'CS02c', 'Issue Security Credentials', 'any', 'critical'],
  [0x000b, 'CS02d', 'Update Device Certificates on Device', 'any', 'critical'],
  [0x000c, 'CS02e', 'Provide Device Certificates from Device', 'any'],
  [0x0012, 'CS06', 'Activate Firmware', 'any', 'critical'],
  [0x00ca, 'CS06', 'Future-dated Firmware Activation Alert', 'any', 'alert'],
  [0x0013, 'CS07', 'Read Device Join Details', 'any'],
  [0x0129, 'CS08', 'Read PPMID/HCALCS Firmware Version', 'HAN'],
  [0x0014, 'CS10a', 'Read ZigBee Device Event Log', 'any'],
  [0x00a1, 'CS10b', 'Read ZigBee Device Security Log', 'any'],
  [0x0015, 'CS11', 'Clear ZigBee Device Event Log', 'any'],
  [0x0018, 'CS14', 'Device Addition To / Removal From HAN Whitelist Alert', 'CHF', 'alert'],
  [0x00fa, 'ECS26n', 'Read CHF Configuration Data Device Information (CH identity and type)', 'CHF'],
  [0x0093, 'ECS35c', 'Read CHF Event Log', 'CHF'],
  [0x0094, 'ECS35d', 'Read CHF Security Log', 'CHF'],
  [0x010a, 'DBCH01', 'Read CHF Sub GHz Channel', 'CHF'],
  [0x010b, 'DBCH02', 'Read CHF Sub GHz Channel Log', 'CHF'],
  [0x010c, 'DBCH03', 'Read CHF Sub GHz Configuration', 'CHF'],
  [0x010d, 'DBCH04', 'Set CHF Sub GHz Configuration', 'CHF'],
  [0x010e, 'DBCH05', 'Request CHF Sub GHz Channel Scan', 'CHF'],
  [0x0110, 'DBCH06', 'Limited Duty Cycle Action Taken Sub GHz Alert', 'CHF', 'alert'],
  [0x0111, 'DBCH07', 'Sub GHz Channel Changed Sub GHz Alert', 'CHF', 'alert'],
  [0x0112, 'DBCH08', 'Sub GHz Channel Scan Request Assessment Outcome Sub GHz Alert', 'CHF', 'alert'],
  [0x0113, 'DBCH09', 'Sub GHz Configuration Changed Sub GHz Alert', 'CHF', 'alert'],
  [0x0114, 'DBCH10', 'Message Discarded Due to Duty Cycle Management Sub GHz Alert', 'CHF', 'alert'],
  [0x0115, 'DBCH11', 'No More Sub GHz Device Capacity Sub GHz Alert', 'CHF', 'alert'],
  // GPF
  [0x0072, 'GCS09', 'Set Change of Tenancy date on GPF', 'GPF'],
  // Sent to the GSME (relayed untouched); sent to the GPF, it disables the privacy PIN on the GPF's own householder views.
  [0x0073, 'GCS11', 'Disable Privacy PIN Protection on GSME', 'GPF'],
  [0x0074, 'GCS13a', 'Read GSME Consumption Register', 'GPF'],
  [0x00b8, 'GCS13b', 'Read GSME Block Counters', 'GPF'],
  [0x00b6, 'GCS13c', 'Read GSME Register (TOU)', 'GPF'],
  [0x0075, 'GCS14', 'Read GSME Prepayment Registers', 'GPF'],
  [0x0096, 'GCS16b', 'Read GSME Daily Read Log (prepayment)', 'GPF'],
  [0x008c, 'GCS59', 'Restore GPF Device Log', 'GPF'],
  [0x008d, 'GCS60', 'Read Meter Balance for GSME', 'GPF'],
  [0x00a0, 'GCS61', 'Read Gas Daily Consumption Log', 'GPF'],
  [0x00b2, 'GCS62', 'Backup GPF Device Log', 'GPF', 'alert'],
  // Relayed over the HAN to the meters
  [0x0026, 'ECS17a', 'Read ESME Energy Registers (Export Energy)', 'HAN'],
  [0x0027, 'ECS17b', 'Read ESME Energy Registers (Import Energy)', 'HAN'],
  [0x0048, 'ECS35a', 'Read ESME Event Log', 'HAN'],
  [0x006c, 'GCS02', 'Set GSME Payment Mode to Credit', 'HAN', 'critical'],
  [0x006e, 'GCS04', 'Manage Debt on the GSME', 'HAN', 'critical'],
  [0x0071, 'GCS07', 'Send Message to GSME', 'HAN'],
  [0x00cc, 'FDA-DLMS', 'Future Dated Execution Of Instruction Alert (DLMS COSEM)', 'HAN', 'alert'],
  [0x00cd, 'FDA-GBZ', 'Future Dated Execution Of Instruction Alert (GBZ)', 'HAN', 'alert'],
];

/** Payload format by use case (every code of a use case shares it). */
const PAYLOAD_FORMATS: ReadonlyArray<[PayloadFormat, readonly string[]]> = [
  ['dlms', ['CCS01', 'CCS02', 'CCS03', 'CCS06', 'CCS07', 'CS14', 'ECS35c', 'ECS35d', 'DBCH01', 'DBCH02', 'DBCH03', 'DBCH04', 'DBCH05',
    'DBCH06', 'DBCH07', 'DBCH08', 'DBCH09', 'DBCH10', 'DBCH11', 'ECS17a', 'ECS17b', 'ECS35a', 'FDA-DLMS']],
  ['gbz', ['GCS09', 'GCS11', 'GCS13a', 'GCS13b', 'GCS13c', 'GCS14', 'GCS16b', 'GCS60', 'GCS61', 'GCS02', 'GCS04', 'GCS07', 'FDA-GBZ']],
  ['asn1', ['CCS08', 'CS02a', 'CS02b', 'CS02c', 'CS02d', 'CS02e', 'CS06', 'CS07', 'CS08', 'GCS59', 'GCS62']],
];

function payloadFormat(useCase: string): PayloadFormat | undefined {
  return PAYLOAD_FORMATS.find(([, useCases]) => useCases.includes(useCase))?.[0];
}

export const MESSAGE_CODES: ReadonlyMap<number, MessageCodeEntry> = new Map(
  ROWS.map(([code, useCase, title, target, flag]) => {
    const payload = payloadFormat(useCase);
    return [
      code,
      { code, useCase, title, target, critical: flag === 'critical', ...(flag === 'alert' ? { alertOnly: true } : {}), ...(payload ? { payload } : {}) },
    ];
  }),
);

export function messageCodeEntry(code: number): MessageCodeEntry | undefined {
  return MESSAGE_CODES.get(code);
}

/** Every code for a use case name (CS02b has ten). */
export function messageCodesFor(useCase: string): number[] {
  return [...MESSAGE_CODES.values()].filter((entry) => entry.useCase === useCase).map((entry) => entry.code);
}
