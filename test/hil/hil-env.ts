import { describe } from 'vitest';
import { loadBoard, type BoardProfile } from '../../hal/boards.js';
import { openTransport, type TransportOptions } from '../../hal/transport/open.js';
import { FLOW_CONTROLS, type FlowControl } from '../../hal/transport/serial.js';
import type { Transport } from '../../hal/transport/transport.js';

/**
 * Where the radio under test is, read from the environment:
 *   HIL_PORT   device path or tcp://host:port (required; without it HIL tests skip)
 *   HIL_BOARD  a profile in boards/ for baud, flow control and the reset line
 *   HIL_BAUD, HIL_FLOW  override the profile (or the 115200 / none defaults)
 */
export interface HilTarget {
  port: string;
  board: BoardProfile | undefined;
  options: TransportOptions;
}

export const HIL_PORT = process.env['HIL_PORT'] || undefined;

function flowFromEnv(): FlowControl | undefined {
  const value = process.env['HIL_FLOW'];
  if (value === undefined || value === '') return undefined;
  if (!(FLOW_CONTROLS as readonly string[]).includes(value)) throw new Error(`HIL_FLOW must be one of ${FLOW_CONTROLS.join(', ')}`);
  return value as FlowControl;
}

export async function hilTarget(): Promise<HilTarget> {
  if (!HIL_PORT) throw new Error('HIL_PORT is not set');
  const boardName = process.env['HIL_BOARD'];
  const board = boardName ? await loadBoard(boardName) : undefined;
  const baud = process.env['HIL_BAUD'] ? Number(process.env['HIL_BAUD']) : undefined;
  return {
    port: HIL_PORT,
    board,
    options: { baudRate: baud ?? board?.serial.baudRate, flowControl: flowFromEnv() ?? board?.serial.flowControl },
  };
}

/** Open the radio under test with the target's settings. The caller closes it. */
export async function openRadio(target: HilTarget): Promise<Transport> {
  return openTransport(target.port, target.options);
}

let warned = false;

/**
 * `describe` for hardware tests: runs when HIL_PORT is set, otherwise skips the whole block and
 * says so once per run, so a green HIL run without a radio cannot pass for a real one.
 */
export function describeHil(name: string, body: () => void): void {
  if (HIL_PORT) {
    describe(name, body);
    return;
  }
  if (!warned) {
    warned = true;
    console.warn('HIL: HIL_PORT is not set, so hardware tests are skipped. Set HIL_PORT=/dev/ttyUSB0 (or tcp://host:port) and optionally HIL_BOARD=NAME.');
  }
  describe.skip(`${name} (skipped: HIL_PORT not set)`, body);
}
