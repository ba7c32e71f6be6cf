import { loadBoard } from '../hal/boards.js';
import { HubError } from '../hal/errors.js';
import { resolveBoardPort } from '../hal/transport/open.js';
import { TransportError, type FlowControl } from '../hal/transport/index.js';
import type { HubConfig } from './config.js';

/** Where the radio is, as the config says: the simulator only when no radio is configured at all. */
export type RadioSource =
  | { kind: 'simulated' }
  | { kind: 'port'; address: string; baudRate?: number; flowControl?: FlowControl; board?: string };

/** The `hub doctor` line that checks this config's radio, for error messages. */
export function doctorCommand(radio: HubConfig['radio']): string {
  if (radio.port !== undefined && radio.port !== 'sim') return `hub doctor --port ${radio.port}`;
  return radio.board === undefined ? 'hub doctor' : `hub doctor --board ${radio.board}`;
}

/**
 * A named board's serial path is looked up now, so a board with no radio attached is refused at
 * start (naming the paths tried and `hub doctor`) rather than quietly run as the simulator.
 */
export async function radioSource(radio: HubConfig['radio']): Promise<RadioSource> {
  if (radio.port === 'sim' || (radio.port === undefined && radio.board === undefined)) return { kind: 'simulated' };
  if (radio.board === undefined) return { kind: 'port', address: radio.port!, baudRate: radio.baudRate, flowControl: radio.flowControl };
  const board = await loadBoard(radio.board);
  const baudRate = radio.baudRate ?? board.serial.baudRate;
  const flowControl = radio.flowControl ?? board.serial.flowControl;
  if (radio.port !== undefined) return { kind: 'port', address: radio.port, baudRate, flowControl, board: board.name };
  try {
    return { kind: 'port', address: await resolveBoardPort(board), baudRate, flowControl, board: board.name };
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    throw new TransportError(error.code, `${error.detail} Check the radio with \`${doctorCommand(radio)}\`.`, { where: error.where, cause: error });
  }
}

/** An error opening or starting the radio, with the `hub doctor` line that diagnoses it. */
export function withDoctorHint(error: unknown, radio: HubConfig['radio']): unknown {
  if (!(error instanceof HubError) || !RADIO_CODES.has(error.code) || error.message.includes('hub doctor')) return error;
  return new HubError(error.code, `${error.detail} Check the radio with \`${doctorCommand(radio)}\`.`, { where: error.where, cause: error });
}

/** Codes that mean the radio could not be reached or does not answer (transport and ASH). */
const RADIO_CODES = new Set(['PORT_NOT_FOUND', 'PERMISSION_DENIED', 'PORT_BUSY', 'CONNECTION_REFUSED', 'TIMEOUT', 'IO_ERROR', 'ASH_TIMEOUT', 'ASH_TRANSPORT_CLOSED', 'ASH_NCP_ERROR', 'ASH_VERSION_MISMATCH']);
