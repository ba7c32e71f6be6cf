/**
 * GBCS Message Codes: the two bytes in the grouping header that name the use case. The whole
 * catalogue, so that any message the hub meets (its own, one it relays, an alert a meter raises)
 * decodes and is named; every code in the public RTDS is here. `critical` marks the SME.C.C commands
 * that must carry the remote party's ECDSA signature; codes a Device takes both signed and MACed only
 * (CS02a, CS02e, CS02f: the RTDS has both, `variant`) are not, and a signature present is still checked. Where
 * the catalogue and the RTDS differ, the RTDS decides: ECS08, ECS30, ECS46c, ECS47 and GCS24 come
 * signed, so they are critical; CS02b accessControlBrokerByACB comes MACed only, yet is answered
 * signed like every CS02b (`signedResponse`).
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
  /**
   * A remote party may send it signed only, with no MAC header: critical commands (the recovery key's
   * CS02b in the RTDS) and the variant use cases' signed form. Anything else needs the MAC.
   */
  signedOnly: boolean;
  /** The executing Device signs its response (no MAC): every critical command's, and CS02b's always. */
  signedResponse: boolean;
  /** Raised by a Device on its own; never a command. */
  alertOnly?: boolean;
  /**
   * Absent where the format depends on the Device (a generic alert is DLMS from an ESME, GBZ from a
   * GSME; the ZigBee Device logs, CS10a/b and CS11, are GBZ at a GSME and DLMS at the CHF) or no
   * vector settles it; the payload's first bytes tell then.
   */
  payload?: PayloadFormat;
}

type Row = [code: number, useCase: string, title: string, target: MessageTarget, payload: PayloadFormat | undefined, flag?: 'critical' | 'alert' | 'signed-response' | 'variant'];

/**
 * One row per code, in code order. Use case ids are the GBCS catalogue's (../shared/gbcs); alerts
 * without one are named after the RTDS folders that hold them (FDA, FDRA, MIIWA, GCA, GNCA).
 */
const ROWS: Row[] = [
  [0x0001, 'CCS01', 'Add Device to CHF Device Log', 'CHF', 'dlms'],
  [0x0002, 'CCS02', 'Remove Device from CHF Device Log', 'CHF', 'dlms'],
  [0x0003, 'CCS03', 'Restore CHF Device Log', 'CHF', 'dlms'],
  [0x0004, 'CCS04', 'Read CHF Device Log (CCS04, and CCS05 with HAN communications check)', 'CHF', 'dlms'],
  [0x0007, 'CS01a', 'Apply Prepayment Top Up', 'HAN', 'dlms'],
  [0x0008, 'CS02a', 'Provide Security Credentials Details', 'any', 'asn1', 'variant'],
  [0x000a, 'CS02c', 'Issue Security Credentials', 'any', 'asn1', 'critical'],
  [0x000b, 'CS02d', 'Update Device Certificates on Device', 'any', 'asn1', 'critical'],
  [0x000c, 'CS02e', 'Provide Device Certificates from Device', 'any', 'asn1', 'variant'],
  [0x000d, 'CS03A1', 'Method A Join (Meter)', 'HAN', 'asn1', 'critical'],
  [0x000e, 'CS03B', 'Method B Join', 'HAN', 'asn1'],
  [0x000f, 'CS04AC', 'Method A or C Unjoin', 'HAN', 'asn1', 'critical'],
  [0x0010, 'CS04B', 'Method B Unjoin', 'HAN', 'asn1'],
  [0x0012, 'CS06', 'Activate Firmware', 'any', 'asn1', 'critical'],
  [0x0013, 'CS07', 'Read Device Join Details', 'any', 'asn1'],
  [0x0014, 'CS10a', 'Read ZigBee Device Event Log', 'any', undefined],
  [0x0015, 'CS11', 'Clear ZigBee Device Event Log', 'any', undefined],
  [0x0018, 'CS14', 'Device Addition To / Removal From HAN Whitelist Alert', 'CHF', 'dlms', 'alert'],
  [0x0019, 'ECS01a', 'Set Tariff and Price', 'HAN', 'dlms', 'critical'],
  [0x001a, 'ECS02', 'Set Payment Mode to Credit', 'HAN', 'dlms', 'critical'],
  [0x001b, 'ECS03', 'Set Payment Mode to Prepayment', 'HAN', 'dlms', 'critical'],
  [0x001c, 'ECS04a', 'Adjust Meter Balance', 'HAN', 'dlms', 'critical'],
  [0x001d, 'ECS05', 'Reset Tariff Block Counter Matrix', 'HAN', 'dlms', 'critical'],
  [0x001e, 'ECS07', 'Debt Management', 'HAN', 'dlms', 'critical'],
  [0x001f, 'ECS08', 'Update Prepayment Configuration on ESME', 'HAN', 'dlms', 'critical'],
  [0x0020, 'ECS09', 'Activate Emergency Credit Remotely', 'HAN', 'dlms', 'critical'],
  [0x0021, 'ECS10', 'Send Message to Meter', 'HAN', 'dlms'],
  [0x0022, 'ECS12', 'Set Change of Tenancy date', 'HAN', 'dlms'],
  [0x0023, 'ECS14', 'Disable Privacy PIN Protection', 'HAN', 'dlms'],
  [0x0024, 'ECS15a', 'Clear Event Log', 'HAN', 'dlms'],
  [0x0025, 'ECS16', 'Write Supplier Contact Details', 'HAN', 'dlms'],
  [0x0026, 'ECS17a', 'Read ESME Energy Registers (Export Energy)', 'HAN', 'dlms'],
  [0x0027, 'ECS17b', 'Read ESME Energy Registers (Import Energy)', 'HAN', 'dlms'],
  [0x0028, 'ECS17c', 'Read ESME Energy Registers (Power)', 'HAN', 'dlms'],
  [0x0029, 'ECS17d', 'Read Energy / Consumption Register (TOU)', 'HAN', 'dlms'],
  [0x002a, 'ECS17e', 'Read ESME Energy Register (TOU with Blocks)', 'HAN', 'dlms'],
  [0x002b, 'ECS18a', 'Read Maximum Demand Registers (export)', 'HAN', 'dlms'],
  [0x002c, 'ECS18b', 'Read Maximum Demand Registers (import)', 'HAN', 'dlms'],
  [0x002d, 'ECS19', 'Read Prepayment Registers', 'HAN', 'dlms'],
  [0x002e, 'ECS20a', 'Read Billing Data Log (payment-based debt payments)', 'HAN', 'dlms'],
  [0x002f, 'ECS20b', 'Read Billing Data Log (change of mode / tariff triggered exc export)', 'HAN', 'dlms'],
  [0x0030, 'ECS20c', 'Read Billing Data Log (billing calendar triggered exc export)', 'HAN', 'dlms'],
  [0x0033, 'ECS21a', 'Read Daily Read Log (exc export)', 'HAN', 'dlms'],
  [0x0034, 'ECS21b', 'Read (Prepayment) Daily Read Log', 'HAN', 'dlms'],
  [0x0035, 'ECS21c', 'Read Electricity Daily Read Log (export only)', 'HAN', 'dlms'],
  [0x0036, 'ECS22a', 'Read Half Hour Profile Data (export)', 'HAN', 'dlms'],
  [0x0037, 'ECS22b', 'Read Half Hour Profile Data (consumption)', 'HAN', 'dlms'],
  [0x0038, 'ECS22c', 'Read Half Hour Profile Data (reactive import)', 'HAN', 'dlms'],
  [0x0039, 'ECS23', 'Read Voltage Operational Data', 'HAN', 'dlms'],
  [0x003a, 'ECS24', 'Read Tariff Data', 'HAN', 'dlms'],
  [0x003b, 'ECS26a', 'Read Configuration Data Prepayment', 'HAN', 'dlms'],
  [0x003c, 'ECS26b', 'Read Configuration Voltage Data', 'HAN', 'dlms'],
  [0x003d, 'ECS26c', 'Read Configuration Data Device Information  (randomisation)', 'HAN', 'dlms'],
  [0x003e, 'ECS26d', 'Read ESME Configuration Data Device Information (Billing Calendar)', 'HAN', 'dlms'],
  [0x003f, 'ECS26e', 'Read ESME Configuration Data Device Information (device identity exc MPAN)', 'HAN', 'dlms'],
  [0x0040, 'ECS26f', 'Read Configuration Data Device Information (instantaneous power thresholds)', 'HAN', 'dlms'],
  [0x0042, 'ECS27', 'Read Load Limit Data', 'HAN', 'dlms'],
  [0x0043, 'ECS28a', 'Set Load Limit Configurations - General Settings', 'HAN', 'dlms', 'critical'],
  [0x0044, 'ECS28b', 'Set Load Limit Configuration Counter Reset', 'HAN', 'dlms'],
  [0x0045, 'ECS29a', 'Set Voltage Configurations on ESME with counter resets', 'HAN', 'dlms'],
  [0x0046, 'ECS30', 'Set Billing Calendar on the ESME', 'HAN', 'dlms', 'critical'],
  [0x0047, 'ECS34', 'Set Instantaneous Power Threshold Configuration', 'HAN', 'dlms'],
  [0x0048, 'ECS35a', 'Read ESME Event Log', 'HAN', 'dlms'],
  [0x0049, 'ECS35b', 'Read device Security Log', 'HAN', 'dlms'],
  [0x004a, 'ECS37', 'Set Maximum Demand Configurable Time Period', 'HAN', 'dlms'],
  [0x004b, 'ECS38', 'Update Randomised Offset Limit', 'HAN', 'dlms', 'critical'],
  [0x004c, 'ECS39a', 'Set MPAN / MPRN Value', 'HAN', 'dlms'],
  [0x004d, 'ECS39b', 'Set Export MPAN Value on the ESME', 'HAN', 'dlms'],
  [0x004e, 'ECS40', 'Read MPAN / MPRN Value', 'HAN', 'dlms'],
  [0x004f, 'ECS42', 'Remotely Close the Load Switch on the ESME', 'HAN', 'dlms', 'critical'],
  [0x0050, 'ECS43', 'Remotely Open the Load Switch / close Valve', 'HAN', 'dlms', 'critical'],
  [0x0051, 'ECS44', 'Arm Load Switch / Valve', 'HAN', 'dlms', 'critical'],
  [0x0052, 'ECS45', 'Read Status of Load Switch / Valve', 'HAN', 'dlms'],
  [0x0053, 'ECS46a', 'Set Auxiliary Controller Descriptions', 'HAN', 'dlms', 'critical'],
  [0x0054, 'ECS46c', 'Set HC ALCS and ALCS configuration in ESME (excluding labels)', 'HAN', 'dlms', 'critical'],
  [0x0055, 'ECS47', 'Set or Reset HC ALCS or ALCS State', 'HAN', 'dlms', 'critical'],
  [0x0058, 'ECS50', 'Send CIN to meter', 'HAN', 'dlms'],
  [0x0059, 'ECS52', 'Read ESME/SAPC/GSME/Comms Hub Firmware Version', 'any', 'dlms'],
  [0x005a, 'ECS57', 'Reset Maximum Demand Registers', 'HAN', 'dlms'],
  [0x005e, 'ECS61c', 'Read Boost Function Data', 'HAN', 'dlms'],
  [0x005f, 'ECS62', 'Set ALCS/APC and Boost Function Association', 'HAN', 'dlms'],
  [0x0060, 'ECS66', 'Read Daily Consumption Log', 'HAN', 'dlms'],
  [0x0061, 'ECS68', 'Critical Sensitive Alert (Billing Data Log)', 'HAN', 'dlms', 'alert'],
  [0x0062, 'ECS70', 'Set Clock', 'HAN', 'dlms', 'critical'],
  [0x0067, 'ECS80', 'Supply Outage Restore Alert from ESME', 'HAN', 'dlms', 'alert'],
  [0x0068, 'ECS81', 'Set Supply Tamper State on ESME', 'HAN', 'dlms', 'critical'],
  [0x0069, 'ECS82', 'Read Meter Balance for Smart Meter', 'HAN', 'dlms'],
  [0x006b, 'GCS01a', 'Set Tariff and Price', 'HAN', 'gbz', 'critical'],
  [0x006c, 'GCS02', 'Set GSME Payment Mode to Credit', 'HAN', 'gbz', 'critical'],
  [0x006d, 'GCS03', 'Set Payment Mode to Prepayment', 'HAN', 'gbz', 'critical'],
  [0x006e, 'GCS04', 'Manage Debt on the GSME', 'HAN', 'gbz', 'critical'],
  [0x006f, 'GCS05', 'Update Prepayment Configuration', 'HAN', 'gbz', 'critical'],
  [0x0070, 'GCS06', 'Activate Emergency Credit Remotely', 'HAN', 'gbz', 'critical'],
  [0x0071, 'GCS07', 'Send Message to GSME', 'HAN', 'gbz'],
  [0x0072, 'GCS09', 'Set Change of Tenancy date on GPF', 'GPF', 'gbz'],
  [0x0073, 'GCS11', 'Disable Privacy PIN Protection on GSME', 'GPF', 'gbz'],
  [0x0074, 'GCS13a', 'Read GSME Consumption Register', 'GPF', 'gbz'],
  [0x0075, 'GCS14', 'Read GSME Prepayment Registers', 'GPF', 'gbz'],
  [0x0076, 'GCS15c', 'Read Billing Data Log (billing calendar triggered exc export)', 'HAN', 'gbz'],
  [0x0077, 'GCS16a', 'Read Daily Read Log (exc export)', 'HAN', 'gbz'],
  [0x0078, 'GCS17', 'Read Half Hour Profile Data (consumption)', 'HAN', 'gbz'],
  [0x0079, 'GCS18', 'Read Gas Network Data Log', 'HAN', 'gbz'],
  [0x007b, 'GCS21a', 'Read Configuration Data Device Information (gas)', 'HAN', 'gbz'],
  [0x007c, 'GCS23', 'Set CV and Conversion Factor Value(s) on the GSME', 'HAN', 'gbz', 'critical'],
  [0x007d, 'GCS24', 'Set Uncontrolled Gas Flow Rate and Supply Tamper State on the GSME', 'HAN', 'gbz', 'critical'],
  [0x007e, 'GCS25', 'Set Billing Calendar', 'HAN', 'gbz', 'critical'],
  [0x007f, 'GCS28', 'Set Clock', 'HAN', 'asn1', 'critical'],
  [0x0080, 'GCS31', 'Start Network Data Log on GSME', 'HAN', 'gbz'],
  [0x0081, 'GCS32', 'Remotely Open the Load Switch / close Valve', 'HAN', 'gbz', 'critical'],
  [0x0082, 'GCS33', 'Read Status of Load Switch / Valve', 'HAN', 'gbz'],
  [0x0083, 'GCS36', 'Send CIN to meter', 'HAN', 'gbz'],
  [0x0084, 'GCS38', 'Read ESME/SAPC/GSME/Comms Hub Firmware Version', 'HAN', 'gbz'],
  [0x0085, 'GCS39', 'Arm Load Switch / Valve', 'HAN', 'gbz', 'critical'],
  [0x0086, 'GCS40a', 'Adjust Prepayment Mode Meter Balance', 'HAN', 'gbz', 'critical'],
  [0x0087, 'GCS41', 'Set MPAN / MPRN Value', 'HAN', 'gbz'],
  [0x0088, 'GCS44', 'Write Supplier Contact Details', 'HAN', 'gbz'],
  [0x0089, 'GCS46', 'Read MPAN / MPRN Value', 'HAN', 'gbz'],
  [0x008b, 'GCS53', 'Critical Sensitive Alert (Billing Data Log)', 'HAN', 'gbz', 'alert'],
  [0x008c, 'GCS59', 'Restore GPF Device Log', 'GPF', 'asn1'],
  [0x008d, 'GCS60', 'Read Meter Balance for GSME', 'GPF', 'gbz'],
  [0x0090, 'PCS02', 'Activate Emergency Credit on GSME from PPMID', 'HAN', 'gbz'],
  [0x0092, 'ECS26i', 'Read CHF Configuration Data Device Information (CHF identity)', 'CHF', 'dlms'],
  [0x0093, 'ECS35c', 'Read CHF Event Log', 'CHF', 'dlms'],
  [0x0094, 'ECS35d', 'Read CHF Security Log', 'CHF', 'dlms'],
  [0x0096, 'GCS16b', 'Read GSME Daily Read Log (prepayment)', 'GPF', 'gbz'],
  [0x0097, 'CS01b', 'Apply Prepayment Top Up', 'HAN', 'gbz'],
  [0x009b, 'PCS01', 'Apply Prepayment Top Up to GSME (using PPMID)', 'HAN', 'gbz'],
  [0x009d, 'GCS21d', 'Read GSME Configuration Data Device Information (BillingCalendar)', 'HAN', 'gbz'],
  [0x009e, 'GCS21e', 'Read GSME/GPF Configuration Data Device Information (device identity)', 'HAN', 'gbz'],
  [0x009f, 'GCS21f', 'Read Tariff Data', 'HAN', 'gbz'],
  [0x00a0, 'GCS61', 'Read Gas Daily Consumption Log', 'GPF', 'gbz'],
  [0x00a1, 'CS10b', 'Read ZigBee Device Security Log', 'any', undefined],
  [0x00a2, 'ECS01b', 'Set Price', 'HAN', 'dlms', 'critical'],
  [0x00a3, 'GCS01b', 'Set Price', 'HAN', 'gbz', 'critical'],
  [0x00ab, 'CS03A2', 'Method A Join (non-Meter)', 'HAN', 'asn1', 'critical'],
  [0x00ac, 'ECS25a', 'Set Alert  Behaviours - Supplier', 'HAN', 'dlms'],
  [0x00ad, 'GCS20', 'Set Alert  Behaviours - Supplier', 'HAN', 'gbz'],
  [0x00ae, 'ECS29b', 'Set Voltage Configurations on ESME - 3 ph with counter resets', 'HAN', 'dlms'],
  [0x00af, 'CS03C', 'Method C Join', 'HAN', 'asn1', 'critical'],
  [0x00b0, 'ECS25b', 'Set Alert  Behaviours - Network Operator', 'HAN', 'dlms'],
  [0x00b2, 'GCS62', 'Backup GPF Device Log', 'GPF', 'asn1', 'alert'],
  [0x00b3, 'ECS04b', 'Adjust Meter Balance: Reset', 'HAN', 'dlms', 'critical'],
  [0x00b4, 'GCS40b', 'Adjust Prepayment Mode Meter Balance: Reset', 'HAN', 'gbz', 'critical'],
  [0x00b5, 'GCS21b', 'Read Configuration Data Prepayment', 'HAN', 'gbz'],
  [0x00b6, 'GCS13c', 'Read GSME Register (TOU)', 'GPF', 'gbz'],
  [0x00b7, 'ECS01c', 'Set Tariff and Price - Second Element', 'HAN', 'dlms', 'critical'],
  [0x00b8, 'GCS13b', 'Read GSME Block Counters', 'GPF', 'gbz'],
  [0x00b9, 'ECS35e', 'Read ESME Power Event Log', 'HAN', 'dlms'],
  [0x00ba, 'ECS35f', 'Read ALCS Event Log', 'HAN', 'dlms'],
  [0x00bb, 'ECS61a', 'Read HC ALCS and ALCS Data from ESME', 'HAN', 'dlms'],
  [0x00bc, 'ECS23b', 'Read Voltage Operational Data - 3 phase', 'HAN', 'dlms'],
  [0x00bd, 'ECS24b', 'Read Tariff Data - second element', 'HAN', 'dlms'],
  [0x00be, 'ECS26j', 'Read Configuration Data Device Information (Payment Mode)', 'HAN', 'dlms'],
  [0x00bf, 'GCS21j', 'Read Configuration Data Device Information (Payment Mode)', 'HAN', 'gbz'],
  [0x00c0, 'GCS40c', 'Adjust Credit Mode Meter Balance', 'HAN', 'gbz', 'critical'],
  [0x00c1, 'ECS15c', 'Clear Auxiliary Controller Event Log', 'HAN', 'dlms'],
  [0x00c2, 'GCS40d', 'Adjust Credit Mode Meter Balance: Reset', 'HAN', 'gbz', 'critical'],
  [0x00c3, 'GCS15b', 'Read Billing Data Log (change of mode / tariff triggered exc export)', 'HAN', 'gbz'],
  [0x00c4, 'GCS15d', 'Read Billing Data Log (payment-based debt payments)', 'HAN', 'gbz'],
  [0x00c5, 'GCS15e', 'Read Billing Data Log (prepayment credits)', 'HAN', 'gbz'],
  [0x00c6, 'ECS26k', 'Read Configuration Voltage Data - 3 Phase', 'HAN', 'dlms'],
  [0x00c7, 'ECS01d', 'Set Price - Second Element', 'HAN', 'dlms', 'critical'],
  [0x00c9, 'ECS20d', 'Read Billing Data Log (prepayment credits)', 'HAN', 'dlms'],
  [0x00ca, 'CS06', 'Future-dated Firmware Activation Alert', 'any', 'asn1', 'alert'],
  [0x00cb, 'CS02b', 'Future-dated Update Security Credentials Alert', 'any', 'asn1', 'alert'],
  [0x00cc, 'FDA-DLMS', 'Future Dated Execution Of Instruction Alert (DLMS COSEM)', 'HAN', 'dlms', 'alert'],
  [0x00cd, 'FDA-GBZ', 'Future Dated Execution Of Instruction Alert (GBZ)', 'HAN', 'gbz', 'alert'],
  [0x00ce, 'FDRA-DLMS', 'Firmware Distribution Receipt Alert (ESME)', 'HAN', 'dlms', 'alert'],
  [0x00cf, 'FDRA-GBZ', 'Firmware Distribution Receipt Alert (GSME)', 'HAN', 'gbz', 'alert'],
  [0x00d1, 'ECS29c', 'Set Voltage Configurations on ESME without counter reset', 'HAN', 'dlms'],
  [0x00d2, 'ECS29d', 'Set Voltage Configurations on polyphase ESME without counter reset', 'HAN', 'dlms'],
  [0x00d3, 'ECS29e', 'Reset RMS Voltage Counters on ESME', 'HAN', 'dlms'],
  [0x00d4, 'ECS29f', 'Reset RMS Voltage Counters on polyphase ESME', 'HAN', 'dlms'],
  [0x00d5, 'FDRPM', 'Failure to Deliver Remote Party Message to ESME Alert', 'HAN', undefined, 'alert'],
  [0x00d7, 'ECS30a', 'Set Billing Calendar - all periodicities', 'HAN', 'dlms', 'critical'],
  [0x00d8, 'GCS25a', 'Set Billing Calendar - all periodicities', 'HAN', 'gbz', 'critical'],
  [0x00d9, 'ECS26l', 'Read Configuration Data Device Information (Billing Calendar)', 'HAN', 'dlms'],
  [0x00da, 'GCS21k', 'Read Configuration Data Device Information (Billing Calendar)', 'HAN', 'gbz'],
  [0x00db, 'ECS48', 'Configure daily resetting of Tariff Block Counter Matrix', 'HAN', 'dlms', 'critical'],
  [0x00de, 'ECS08a', 'Update Prepayment Configuration', 'HAN', 'dlms', 'critical'],
  [0x00ea, 'ECS25a1', 'Set Event Behaviours - ESME to HAN Device - Supplier', 'HAN', 'dlms'],
  [0x00eb, 'ECS25a2', 'Set Event Behaviours - ESME audible alarm - Supplier', 'HAN', 'dlms'],
  [0x00ec, 'ECS25a3', 'Set Event Behaviours - ESME logging - Supplier', 'HAN', 'dlms'],
  [0x00ed, 'ECS25b3', 'Set Event Behaviours - ESME logging - Network Operator', 'HAN', 'dlms'],
  [0x00ee, 'ECS25r1', 'Read non-critical event and alert behaviours - ESME - Supplier', 'HAN', 'dlms'],
  [0x00ef, 'ECS25r2', 'Read non-critical event and alert behaviours - ESME - Network Operator', 'HAN', 'dlms'],
  [0x00f0, 'MIIWA-DLMS', 'Meter Integrity Issue Warning Alert (ESME)', 'HAN', 'dlms', 'alert'],
  [0x00f1, 'GCS20r', 'Read non-critical event and alert behaviours - Supplier', 'HAN', 'gbz'],
  [0x00f2, 'MIIWA-GBZ', 'Meter Integrity Issue Warning Alert (GSME)', 'HAN', 'gbz', 'alert'],
  [0x00f9, 'ECS26m', 'Read Configuration Data Device Information (Smart Meter identity and type, including supply tamper / depletion state )', 'HAN', 'dlms'],
  [0x00fa, 'ECS26n', 'Read CHF Configuration Data Device Information (CH identity and type)', 'CHF', 'dlms'],
  [0x00fb, 'GCS21m', 'Read Configuration Data Device Information (Smart Meter identity and type, including supply tamper / depletion state )', 'HAN', 'gbz'],
  [0x00fc, 'GCS24a', 'Set Uncontrolled Gas Flow Rate and Supply Tamper State on the GSME', 'HAN', 'gbz', 'critical'],
  [0x00fd, 'ECS35g', 'Read Auxiliary Controller Event Log', 'HAN', 'dlms'],
  [0x00fe, 'CCS07', 'Read CHF Device Logs', 'CHF', 'dlms'],
  [0x0100, 'CS02b', 'Update Security Credentials (rootBySupplier)', 'any', 'asn1', 'critical'],
  [0x0101, 'CS02b', 'Update Security Credentials (rootByWanProvider)', 'any', 'asn1', 'critical'],
  [0x0102, 'CS02b', 'Update Security Credentials (supplierBySupplier)', 'any', 'asn1', 'critical'],
  [0x0103, 'CS02b', 'Update Security Credentials (networkOperatorByNetworkOperator)', 'any', 'asn1', 'critical'],
  [0x0104, 'CS02b', 'Update Security Credentials (accessControlBrokerByACB)', 'any', 'asn1', 'signed-response'],
  [0x0105, 'CS02b', 'Update Security Credentials (wanProviderByWanProvider)', 'any', 'asn1', 'critical'],
  [0x0106, 'CS02b', 'Update Security Credentials (transCoSByTransCoS)', 'any', 'asn1', 'critical'],
  [0x0107, 'CS02b', 'Update Security Credentials (supplierByTransCoS)', 'any', 'asn1', 'critical'],
  [0x0108, 'CS02b', 'Update Security Credentials (anyExceptAbnormalRootByRecovery)', 'any', 'asn1', 'critical'],
  [0x0109, 'CS02b', 'Update Security Credentials (anyByContingency)', 'any', 'asn1', 'critical'],
  [0x010a, 'DBCH01', 'Read CHF Sub GHz Channel', 'CHF', 'dlms'],
  [0x010b, 'DBCH02', 'Read CHF Sub GHz Channel Log', 'CHF', 'dlms'],
  [0x010c, 'DBCH03', 'Read CHF Sub GHz Configuration', 'CHF', 'dlms'],
  [0x010d, 'DBCH04', 'Set CHF Sub GHz Configuration', 'CHF', 'dlms'],
  [0x010e, 'DBCH05', 'Request CHF Sub GHz Channel Scan', 'CHF', 'dlms'],
  [0x010f, 'CCS06', 'Read CHF Device Log and check HAN communications', 'CHF', 'dlms'],
  [0x0110, 'DBCH06', 'Limited Duty Cycle Action Taken Sub GHz Alert', 'CHF', 'dlms', 'alert'],
  [0x0111, 'DBCH07', 'Sub GHz Channel Changed Sub GHz Alert', 'CHF', 'dlms', 'alert'],
  [0x0112, 'DBCH08', 'Sub GHz Channel Scan Request Assessment Outcome Sub GHz Alert', 'CHF', 'dlms', 'alert'],
  [0x0113, 'DBCH09', 'Sub GHz Configuration Changed Sub GHz Alert', 'CHF', 'dlms', 'alert'],
  [0x0114, 'DBCH10', 'Message Discarded Due to Duty Cycle Management Sub GHz Alert', 'CHF', 'dlms', 'alert'],
  [0x0115, 'DBCH11', 'No More Sub GHz Device Capacity Sub GHz Alert', 'CHF', 'dlms', 'alert'],
  [0x0116, 'PECS01', 'Apply Prepayment Top Up to ESME (using PPMID)', 'HAN', undefined],
  [0x0117, 'PECS02', 'Activate Emergency Credit on ESME from PPMID', 'HAN', undefined],
  [0x0118, 'PECS03', 'Request to Enable ESME Supply from PPMID', 'HAN', undefined],
  [0x0119, 'HECS01', 'Request Control of HCALCS [n]', 'HAN', undefined],
  [0x011a, 'ECS46d', 'Set Auxiliary Controller Calendar', 'HAN', 'dlms', 'critical'],
  [0x011b, 'CS02f', 'Provide Security Credential Details (ESME and SAPC)', 'HAN', 'asn1', 'variant'],
  [0x011c, 'ECS61d', 'Read Auxiliary Controller Configuration Data', 'HAN', 'dlms'],
  [0x011d, 'ECS61e', 'Read Auxiliary Controller Operational Data', 'HAN', 'dlms'],
  [0x011e, 'ECS47a', 'Set Auxiliary Controller [n] State', 'HAN', 'dlms', 'critical'],
  [0x011f, 'ECS47e', 'Limit APC [n] Level', 'HAN', 'dlms', 'critical'],
  [0x0120, 'ECS100', 'Command not supported by Device', 'HAN', 'dlms', 'alert'],
  [0x0121, 'ECS101', 'Limit APC [n] Level Command processed', 'HAN', 'dlms', 'alert'],
  [0x0122, 'ECS102', 'Limit APC [n] Level ended or cancelled', 'HAN', 'dlms', 'alert'],
  [0x0123, 'ECS200', 'Operational Update', 'HAN', 'dlms', 'alert'],
  [0x0124, 'CS02g', 'Update Load Controller Security Credentials Alert', 'HAN', 'asn1', 'alert'],
  [0x0125, 'CS02g', 'Update Load Controller Security Credentials (loadControllerByLoadController)', 'HAN', 'asn1', 'critical'],
  [0x0126, 'CS02g', 'Update Load Controller Security Credentials (loadControllerBySupplier)', 'HAN', 'asn1', 'critical'],
  [0x0128, 'CCS08', 'Firmware Transfer Alert', 'CHF', 'asn1', 'alert'],
  [0x0129, 'CS08', 'Read PPMID/HCALCS Firmware Version', 'HAN', 'asn1'],
  [0x012a, 'GCS60a', 'Read Meter Balance for GSME (GPF)', 'GPF', 'gbz'],
  [0x012b, 'CS09', 'PPMID Firmware Activation Alert', 'HAN', 'asn1', 'alert'],
  [0x1000, 'GCA', 'Generic Critical Alert', 'HAN', undefined, 'alert'],
  [0x1001, 'GNCA', 'Generic Non Critical Alert', 'HAN', undefined, 'alert'],
];

export const MESSAGE_CODES: ReadonlyMap<number, MessageCodeEntry> = new Map(
  ROWS.map(([code, useCase, title, target, payload, flag]) => [
    code,
    { code, useCase, title, target, critical: flag === 'critical', signedResponse: flag === 'critical' || flag === 'signed-response', signedOnly: flag === 'critical' || flag === 'variant', ...(flag === 'alert' ? { alertOnly: true } : {}), ...(payload ? { payload } : {}) },
  ]),
);

export function messageCodeEntry(code: number): MessageCodeEntry | undefined {
  return MESSAGE_CODES.get(code);
}

/** Every code for a use case name (CS02b has ten). */
export function messageCodesFor(useCase: string): number[] {
  return [...MESSAGE_CODES.values()].filter((entry) => entry.useCase === useCase).map((entry) => entry.code);
}
