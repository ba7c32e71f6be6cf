import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { Transport } from '../transport/transport.js';
import { ResetCode } from './codes.js';
import { LinkDefaults, MAX_DATA_LENGTH, MIN_DATA_LENGTH } from './constants.js';
import { RANDOM_SEQUENCE } from './frame.js';
import { AshError } from './link.js';

/** `host` resets the NCP and drives the link (the EZSP driver); `ncp` answers resets (the simulator). */
export type AshRole = 'host' | 'ncp';

export interface AshEndpointOptions {
  role: AshRole;
  transport: Transport;
  clock: Clock;
  logger?: Logger;
  /** DATA frames in flight without an ACK, 1–7 (default LinkDefaults.window, 3). */
  window?: number;
  ackTimeInitMs?: number;
  ackTimeMinMs?: number;
  ackTimeMaxMs?: number;
  /** Consecutive ACK timeouts that fail the link. */
  ackTimeouts?: number;
  /** Host: wait this long for RSTACK after each RST … */
  resetTimeoutMs?: number;
  /** … and send this many RSTs before giving up. */
  resetAttempts?: number;
  /** Largest DATA field accepted and sent (default UG101's 128; newer EZSP hosts allow up to 220). */
  maxDataLength?: number;
  /** NCP: the reset code an RSTACK answering RST carries (default SOFTWARE, what a host expects). */
  resetCode?: number;
  /** A frame still unended after the line is quiet this long lost its Flag, and is NAKed (default 50 ms). */
  partialFrameTimeoutMs?: number;
}

export type EndpointSettings = Required<Omit<AshEndpointOptions, 'role' | 'transport' | 'clock' | 'logger'>>;

export interface AshLinkCounters {
  dataSent: number;
  dataReceived: number;
  retransmitted: number;
  duplicates: number;
  outOfSequence: number;
  naksSent: number;
  naksReceived: number;
  ackTimeouts: number;
  badAckNumbers: number;
  badFrames: number;
  /** DATA frames that passed the CRC but the layer above could not read, and were NAKed. */
  vetoed: number;
}

export function newCounters(): AshLinkCounters {
  return {
    dataSent: 0,
    dataReceived: 0,
    retransmitted: 0,
    duplicates: 0,
    outOfSequence: 0,
    naksSent: 0,
    naksReceived: 0,
    ackTimeouts: 0,
    badAckNumbers: 0,
    badFrames: 0,
    vetoed: 0,
  };
}

/** Fill in defaults and refuse values the protocol cannot work with. */
export function resolveSettings(options: AshEndpointOptions): EndpointSettings {
  const settings: EndpointSettings = {
    window: options.window ?? LinkDefaults.window,
    ackTimeInitMs: options.ackTimeInitMs ?? LinkDefaults.ackTimeInitMs,
    ackTimeMinMs: options.ackTimeMinMs ?? LinkDefaults.ackTimeMinMs,
    ackTimeMaxMs: options.ackTimeMaxMs ?? LinkDefaults.ackTimeMaxMs,
    ackTimeouts: options.ackTimeouts ?? LinkDefaults.ackTimeouts,
    resetTimeoutMs: options.resetTimeoutMs ?? LinkDefaults.resetTimeoutMs,
    resetAttempts: options.resetAttempts ?? LinkDefaults.resetAttempts,
    maxDataLength: options.maxDataLength ?? MAX_DATA_LENGTH,
    resetCode: options.resetCode ?? ResetCode.SOFTWARE,
    partialFrameTimeoutMs: options.partialFrameTimeoutMs ?? LinkDefaults.partialFrameTimeoutMs,
  };
  const refuse = (key: keyof EndpointSettings, rule: string): never => {
    throw new AshError('ASH_BAD_OPTIONS', `${key} must be ${rule}, got ${settings[key]}`, { where: `AshEndpoint options.${key}` });
  };
  const integerIn = (key: keyof EndpointSettings, min: number, max: number): void => {
    const value = settings[key];
    if (!Number.isInteger(value) || value < min || value > max) refuse(key, `an integer from ${min} to ${max}`);
  };
  // Seven frames in flight is the most that numbers modulo 8 can tell apart.
  integerIn('window', 1, 7);
  integerIn('maxDataLength', MIN_DATA_LENGTH, Math.min(220, RANDOM_SEQUENCE.length));
  integerIn('ackTimeouts', 1, 100);
  integerIn('resetAttempts', 1, 100);
  integerIn('resetCode', 0, 255);
  if (!(settings.ackTimeMinMs > 0 && settings.ackTimeMinMs <= settings.ackTimeInitMs && settings.ackTimeInitMs <= settings.ackTimeMaxMs)) {
    refuse('ackTimeInitMs', `between ackTimeMinMs (${settings.ackTimeMinMs}) and ackTimeMaxMs (${settings.ackTimeMaxMs}), all positive`);
  }
  if (!(settings.resetTimeoutMs > 0)) refuse('resetTimeoutMs', 'positive');
  if (!(settings.partialFrameTimeoutMs > 0)) refuse('partialFrameTimeoutMs', 'positive');
  return settings;
}
