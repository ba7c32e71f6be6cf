/**
 * Sub GHz facts as data: alert codes, the radio's numbers and the hub's own limits. Each entry
 * says where it comes from; entries marked "hub choice" are this runtime's decisions, not GBCS's.
 */

/** GBCS Message Codes of the dual-band use cases (DBCH01..DBCH11 are 0x010A..0x0115). */
export const SUB_GHZ_MESSAGE_CODES = {
  DBCH01: 0x010a,
  DBCH02: 0x010b,
  DBCH03: 0x010c,
  DBCH04: 0x010d,
  DBCH05: 0x010e,
  DBCH06: 0x0110,
  DBCH07: 0x0111,
  DBCH08: 0x0112,
  DBCH09: 0x0113,
  DBCH10: 0x0114,
  DBCH11: 0x0115,
} as const;

/**
 * GBCS alert codes the Sub GHz CHF raises. DBCH06..DBCH11 carry 0x8F20, 0x8F26, 0x8F28, 0x8F2A,
 * 0x8F2C and 0x8F2D (the RTDS DBCH07 and DBCH09 alerts carry 0x8F26 and 0x8F2A); the others are
 * the duty-cycle level changes and the frequency-agility refusal, raised as plain alerts.
 */
export const SUB_GHZ_ALERTS = {
  limitedDutyCycleActionTaken: 0x8f20,
  belowNormalLimitedThreshold: 0x8f21,
  criticalDutyCycleActionTaken: 0x8f22,
  belowLimitedCriticalThreshold: 0x8f23,
  regulatedDutyCycleActionTaken: 0x8f24,
  belowCriticalRegulatedThreshold: 0x8f25,
  channelChanged: 0x8f26,
  channelScanInitiated: 0x8f27,
  scanRequestAssessed: 0x8f28,
  configurationChanged: 0x8f2a,
  channelNotChangedFrequencyAgility: 0x8f2b,
  messageDiscardedDutyCycle: 0x8f2c,
  noMoreSubGhzCapacity: 0x8f2d,
} as const;

/**
 * Duty cycle is the share of transmitter on-time within a one-hour observation period
 * (ETSI EN 300 220, the rule for the 863–870 MHz SRD band), so every window here is an hour,
 * sliding: the question is always "how much airtime in the last 60 minutes".
 */
export const DUTY_CYCLE_WINDOW_MS = 60 * 60 * 1000;

/** Duty cycles are kept, as Silicon Labs' stack keeps them, in hundredths of a percent. */
export const HECTO_PERCENT_FULL = 10_000;

/**
 * The hub's Critical-Regulated boundary: 2.50 % of the hour. The Silicon Labs stack's duty-cycle
 * limits take it as the "suspended" limit (its documented example: limited 1.00 %, critical
 * 1.80 %, suspended 2.50 %); above it the hub itself stops transmitting until the hour allows.
 * Hub choice until GBCS 10.6.2.3 is checked: the Sub GHz Configuration carries only the lower two.
 */
export const REGULATED_DUTY_CYCLE_LIMIT = 250;

/** The GB Sub GHz PHY (Zigbee pages 28..31, 2-FSK) signals at 100 kbit/s. */
export const SUB_GHZ_BIT_RATE_BPS = 100_000;

/**
 * Octets on air besides the MAC frame (PSDU): SUN FSK preamble (4, the IEEE 802.15.4g minimum),
 * start-of-frame delimiter (2) and PHY header (2). Airtime is counted from these plus the PSDU.
 */
export const SUB_GHZ_PHY_OVERHEAD_OCTETS = { preamble: 4, startOfFrameDelimiter: 2, phyHeader: 2 } as const;

/** aMaxPHYPacketSize of the SUN PHYs (IEEE 802.15.4g): the largest PSDU one frame can carry. */
export const SUB_GHZ_MAX_PSDU_OCTETS = 2047;

/**
 * How many Sub GHz Devices the hub accepts: the Silicon Labs stack monitors the duty cycle of at
 * most 32 children (EMBER_MAX_CHILDREN_FOR_PER_DEVICE_DUTY_CYCLE_MONITOR), and a Device whose duty
 * cycle cannot be watched must not join at Sub GHz. A join beyond it raises DBCH11.
 */
export const SUB_GHZ_DEVICE_CAPACITY = 32;

/** Entries kept in the Sub GHz Channel Log (DBCH02); the oldest is overwritten. Hub choice, like the Event Log's 100. */
export const CHANNEL_LOG_CAPACITY = 100;

/** A scan moves the hub only to a channel at least this much quieter (dB) than the current one. Hub choice. */
export const CHANNEL_CHANGE_MARGIN_DB = 3;

/** The frequency-agility count of channel changes runs over a day. */
export const CHANNEL_CHANGE_COUNT_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Energy scan dwell per channel, as the Radio seam's duration exponent (aBaseSuperframeDuration × (2^n + 1) symbols). Hub choice. */
export const ENERGY_SCAN_DURATION_EXPONENT = 3;
