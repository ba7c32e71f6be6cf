import type { AnyOperation } from '../operation.js';
import { devicesAdd, devicesHistoric, devicesList, devicesRemove } from './devices.js';
import { gpfRestrict, gpfStatus } from './gpf.js';
import { logsRead } from './logs.js';
import { pairAdd, pairCheck, pairDevices, pairRemove, pairWatch } from './pair.js';
import { networkBackup, networkRestore } from './network.js';
import { pinChange, pinSet, pinStatus, pinVerify } from './pin.js';
import { firmwareInspect } from './firmware-inspect.js';
import { firmwareStatusOperation } from './firmware-status.js';
import { storeCheck } from './store-check.js';
import { subscribe } from './subscribe.js';

/** Every operation the control API serves; a new one is added here (see ../README.md). */
export const CONTROL_OPERATIONS: readonly AnyOperation[] = [
  devicesList, devicesHistoric, devicesAdd, devicesRemove,
  logsRead,
  pinStatus, pinSet, pinChange, pinVerify,
  gpfStatus, gpfRestrict,
  networkBackup, networkRestore,
  firmwareStatusOperation, firmwareInspect,
  storeCheck,
  subscribe,
  pairCheck, pairAdd, pairRemove, pairWatch, pairDevices,
];
