import { SystemClock } from '../../hal/clock.js';
import { describe, inject } from 'vitest';
import { loadBoard, type BoardProfile } from '../../hal/boards.js';
import { openTransport, type TransportOptions } from '../../hal/transport/open.js';
import { FLOW_CONTROLS, type FlowControl } from '../../hal/transport/serial.js';
import type { Transport } from '../../hal/transport/transport.js';

/**
 * Where the radio under test is, read from the environment:
 *   HIL_PORT   device path or tcp://host:port (unset: the `hub sim` that global-setup.ts started)
 *   HIL_BOARD  a profile in boards/ for baud, flow control and the reset line
 *   HIL_BAUD, HIL_FLOW  override the profile (or the 115200 / none defaults)
 *   HIL_DEVICE a Device to admit and talk to, as EUI64:INSTALLCODE (hex, the code with its CRC)
 */
export interface HilTarget {
  port: string;
  board: BoardProfile | undefined;
  options: TransportOptions;
}

/** The simulator the suite runs against when HIL_PORT is unset (null with a real radio). */
export const HIL_SIM = inject('hilSim');

export const HIL_PORT = process.env['HIL_PORT'] || HIL_SIM?.radio;

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
    options: { baudRate: baud ?? board?.serial.baudRate, flowControl: flowFromEnv() ?? board?.serial.flowControl, clock: new SystemClock() },
  };
}

/** Open the radio under test with the target's settings. The caller closes it. */
export async function openRadio(target: HilTarget): Promise<Transport> {
  return openTransport(target.port, target.options);
}

/**
 * `describe` for radio tests: against HIL_PORT when it is set, else against `hub sim`, so the
 * suite is never skipped and a green run says which radio it ran on.
 */
export function describeHil(name: string, body: () => void): void {
  describe(HIL_SIM ? `${name} (hub sim)` : `${name} (${HIL_PORT})`, body);
}
