/**
 * The kinds of Device a CHF Device Log holds, with GBCS's numeric DeviceType codes.
 *
 * The codes are GBCS's DeviceType enumeration (gSME 0, eSME 1, CHF 2, GPF 3, type 1 HCALCS 4,
 * type 1 PPMID 5, type 2 6); the CCS01 RTDS vector registers the ESME (…90A0) with the enum value 1,
 * which agrees. GBCS gives the HHT no code of its own there, so it has none here: it is named only
 * because CCS02 treats it differently (its TC link key is never kept in the Historic Device Log).
 *
 * `Unknown` is no kind of Device but a state: a Device restored by CCS03 from another hub's backup,
 * which names Devices without their types. It has no code (CS07 leaves it out), is never given by a
 * command, and is replaced by the type the next CCS01 for that Device names. It is treated as a
 * joining Device that is not the GPF and not sleepy: it cannot join before CCS01 gives its install
 * code anyway, and by then its type is known.
 */
export interface DeviceTypeInfo {
  /** GBCS DeviceType code, or null where GBCS defines none. */
  readonly code: number | null;
  readonly title: string;
  /** May be entered in the CHF Device Log (the CHF itself never is). */
  readonly loggable: boolean;
  /** Joins the HAN with an install-code key (the GPF lives inside the hub and does not). */
  readonly joinsWithInstallCode: boolean;
  /** On removal, an established TC link key is kept in the Historic Device Log (CCS02). */
  readonly keptInHistoricLog: boolean;
  /** Sleeps, so messages to it wait for it to wake (the sleepy queue needs to know). */
  readonly sleepy: boolean;
  /** Receives data and may send nothing that changes state (a Type 2 Device): the HAN relay refuses what it sends. */
  readonly receiveOnly: boolean;
}

export const DEVICE_TYPES = {
  GSME: { code: 0, title: 'Gas Smart Metering Equipment', loggable: true, joinsWithInstallCode: true, keptInHistoricLog: true, sleepy: true, receiveOnly: false },
  ESME: { code: 1, title: 'Electricity Smart Metering Equipment', loggable: true, joinsWithInstallCode: true, keptInHistoricLog: true, sleepy: false, receiveOnly: false },
  CHF: { code: 2, title: 'Communications Hub Function', loggable: false, joinsWithInstallCode: false, keptInHistoricLog: false, sleepy: false, receiveOnly: false },
  GPF: { code: 3, title: 'Gas Proxy Function', loggable: true, joinsWithInstallCode: false, keptInHistoricLog: false, sleepy: false, receiveOnly: false },
  HCALCS: { code: 4, title: 'HAN Connected Auxiliary Load Control Switch', loggable: true, joinsWithInstallCode: true, keptInHistoricLog: true, sleepy: false, receiveOnly: false },
  PPMID: { code: 5, title: 'Prepayment Interface Device', loggable: true, joinsWithInstallCode: true, keptInHistoricLog: true, sleepy: false, receiveOnly: false },
  Type2: { code: 6, title: 'Type 2 Device (e.g. consumer access device)', loggable: true, joinsWithInstallCode: true, keptInHistoricLog: true, sleepy: false, receiveOnly: true },
  HHT: { code: null, title: 'Hand Held Terminal', loggable: true, joinsWithInstallCode: true, keptInHistoricLog: false, sleepy: false, receiveOnly: false },
  Unknown: { code: null, title: 'Type not yet known (restored from a backup)', loggable: true, joinsWithInstallCode: true, keptInHistoricLog: true, sleepy: false, receiveOnly: false },
} as const satisfies Record<string, DeviceTypeInfo>;

export type DeviceType = keyof typeof DEVICE_TYPES;

export const DEVICE_TYPE_NAMES = Object.keys(DEVICE_TYPES) as DeviceType[];

/** A restored Device whose type the hub learns at its next CCS01. */
export const TYPE_NOT_YET_KNOWN = 'Unknown' satisfies DeviceType;

/** The types a command or an operator may name (every one but the not-yet-known state). */
export const NAMEABLE_DEVICE_TYPES = DEVICE_TYPE_NAMES.filter((name) => name !== TYPE_NOT_YET_KNOWN);

export function isDeviceType(value: unknown): value is DeviceType {
  return typeof value === 'string' && Object.hasOwn(DEVICE_TYPES, value);
}

/** The type with this GBCS code, or undefined for a code GBCS does not define. */
export function deviceTypeByCode(code: number): DeviceType | undefined {
  return DEVICE_TYPE_NAMES.find((name) => DEVICE_TYPES[name].code === code);
}

/** Accepts a type name in any case ("esme", "Type2"). */
export function findDeviceType(text: string): DeviceType | undefined {
  return DEVICE_TYPE_NAMES.find((name) => name.toLowerCase() === text.toLowerCase());
}
