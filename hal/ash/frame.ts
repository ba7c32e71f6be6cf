import { LFSR_FEEDBACK, LFSR_SEED, MAX_DATA_LENGTH } from './constants.js';

/**
 * ASH frames as values, and the control byte that identifies them (UG101 §2.1):
 *
 *   DATA    0 fff r aaa   frmNum f, reTx r, ackNum a      0x00–0x7F
 *   ACK     1 00p n aaa   nRdy n, ackNum a (p reserved)   0x80–0x9F
 *   NAK     1 01p n aaa                                   0xA0–0xBF
 *   RST     0xC0, RSTACK 0xC1, ERROR 0xC2; 0xC3–0xFF are not frames.
 */
export type AshFrame =
  | { kind: 'DATA'; frmNum: number; ackNum: number; reTx: boolean; data: Buffer }
  | { kind: 'ACK'; ackNum: number; notReady: boolean }
  | { kind: 'NAK'; ackNum: number; notReady: boolean }
  | { kind: 'RST' }
  | { kind: 'RSTACK'; version: number; resetCode: number }
  | { kind: 'ERROR'; version: number; errorCode: number };

export type AshFrameKind = AshFrame['kind'];

export const Control = {
  DATA_MASK: 0x80,
  SHORT_MASK: 0xe0,
  ACK: 0x80,
  NAK: 0xa0,
  RST: 0xc0,
  RSTACK: 0xc1,
  ERROR: 0xc2,
  ACKNUM_MASK: 0x07,
  RETX_FLAG: 0x08,
  NOT_READY_FLAG: 0x08,
  FRMNUM_SHIFT: 4,
} as const;

/** Length of control byte plus data field (no CRC) each non-DATA kind must have. */
export const FIXED_BODY_LENGTH = { ACK: 1, NAK: 1, RST: 1, RSTACK: 3, ERROR: 3 } as const;

export function dataControl(frmNum: number, ackNum: number, reTx: boolean): number {
  return ((frmNum & 7) << Control.FRMNUM_SHIFT) | (reTx ? Control.RETX_FLAG : 0) | (ackNum & 7);
}

export function ackControl(ackNum: number, notReady: boolean): number {
  return Control.ACK | (notReady ? Control.NOT_READY_FLAG : 0) | (ackNum & 7);
}

export function nakControl(ackNum: number, notReady: boolean): number {
  return Control.NAK | (notReady ? Control.NOT_READY_FLAG : 0) | (ackNum & 7);
}

/** Frame numbers count modulo 8. */
export function nextFrameNumber(n: number): number {
  return (n + 1) & 7;
}

/** True when n lies in the modulo-8 range lo..hi, both ends included. */
export function withinRange(lo: number, n: number, hi: number): boolean {
  return ((n - lo) & 7) <= ((hi - lo) & 7);
}

/**
 * The pseudo-random sequence XOR-ed over every DATA field (UG101 §4.3), computed once: an 8-bit
 * LFSR from LFSR_SEED, shifted right and XOR-ed with LFSR_FEEDBACK whenever its low bit was set.
 * XOR-ing twice restores the data, so the same table serves both directions.
 */
export const RANDOM_SEQUENCE: Uint8Array = (() => {
  const sequence = new Uint8Array(256);
  let register: number = LFSR_SEED;
  for (let i = 0; i < sequence.length; i++) {
    sequence[i] = register;
    register = register & 1 ? (register >> 1) ^ LFSR_FEEDBACK : register >> 1;
  }
  return sequence;
})();

if (RANDOM_SEQUENCE.length < MAX_DATA_LENGTH) throw new Error('RANDOM_SEQUENCE shorter than a DATA field');

/** XOR `length` bytes from `source[from]` with the sequence into `target[at]` (may be the same buffer). */
export function randomise(source: Uint8Array, from: number, target: Uint8Array, at: number, length: number): void {
  for (let i = 0; i < length; i++) target[at + i] = source[from + i]! ^ RANDOM_SEQUENCE[i]!;
}
