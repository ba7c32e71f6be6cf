import type { WireTypeName } from './wire-types.js';

// The shape of one row of the EZSP frame table (frames.ts), and the versions its layouts name.

export interface FieldSpec {
  readonly name: string;
  readonly type: WireTypeName;
  readonly since?: number;
  readonly until?: number;
}

export interface FrameSpec {
  readonly id: number;
  readonly kind: 'command' | 'callback';
  readonly request: readonly FieldSpec[];
  readonly response: readonly FieldSpec[];
}

/** The oldest and newest EZSP protocol versions whose layouts this table describes. */
export const MIN_EZSP_VERSION = 13;
export const MAX_EZSP_VERSION = 19;

/** Where EZSP 14 changed a layout: fields `until: V13` are the older form, `since: V14` the newer. */
export const V13 = 13;
export const V14 = 14;
