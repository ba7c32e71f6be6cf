import type { Eui64 } from '../../hal/radio.js';
import { decodeMessage } from '../gbcs/index.js';

/**
 * What the head end hears when the hub could not pass a command on to its HAN Device: the relay's
 * status (QUEUE_FULL, TOO_LARGE, UNREACHABLE, NOT_ADMITTED, ...) and the command it concerns, told
 * by the header fields a head end matches on. A Device's own answer, when it has one, still comes
 * as GBCS; this is for the commands that never reached it.
 */
export interface RelayReport {
  device: Eui64;
  /** The command's originator counter, hex, as the GBCS header has it. */
  originatorCounter: string;
  /** The command's Message Code, 4 hex digits. */
  messageCode: string;
  status: string;
  detail?: string;
}

/** Relay statuses that mean the command is on its way. */
const PASSED_ON: ReadonlySet<string> = new Set(['DELIVERED', 'QUEUED']);

/** The report for a relay that failed, or undefined when the command went on (or the outcome is no relay report). */
export function relayReportFor(command: Uint8Array, outcome: unknown): RelayReport | undefined {
  const report = outcome as { eui64?: unknown; status?: unknown; detail?: unknown } | null | undefined;
  if (typeof report?.status !== 'string' || typeof report.eui64 !== 'string' || PASSED_ON.has(report.status)) return undefined;
  let header;
  try {
    header = decodeMessage(Buffer.from(command), { allowUnknownMessageCode: true }).header;
  } catch {
    return undefined;
  }
  return {
    device: report.eui64,
    originatorCounter: header.originatorCounter.toString(16).toUpperCase().padStart(16, '0'),
    messageCode: header.messageCode.toString(16).toUpperCase().padStart(4, '0'),
    status: report.status,
    ...(typeof report.detail === 'string' ? { detail: report.detail } : {}),
  };
}
