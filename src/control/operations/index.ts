import type { AnyOperation } from '../operation.js';
import { devicesAdd, devicesHistoric, devicesList, devicesRemove } from './devices.js';
import { logsRead } from './logs.js';
import { pairAdd, pairCheck, pairDevices, pairRemove, pairWatch } from './pair.js';
import { subscribe } from './subscribe.js';

/** Every operation the control API serves; a new one is added here (see ../README.md). */
export const CONTROL_OPERATIONS: readonly AnyOperation[] = [devicesList, devicesHistoric, devicesAdd, devicesRemove, logsRead, subscribe, pairCheck, pairAdd, pairRemove, pairWatch, pairDevices];
