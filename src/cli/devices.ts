import { resolve } from 'node:path';
import type { Command } from 'commander';
import { HubError } from '../../hal/errors.js';
import { parseEui64 } from '../../hal/eui64.js';
import { DEVICE_TYPE_NAMES, DEVICE_TYPES } from '../security/device-types.js';
import { loadConfig } from '../config.js';
import { invoke, type InvokeOptions, devicesAdd, devicesHistoric, devicesList, devicesRemove } from '../control/index.js';
import { KEY_FILE_NAME } from '../security/file-secure-element.js';
import { NEW_WAY, readInstallCode, refuseInArgv } from './install-code-input.js';
import { devicesTable } from './pair.js';
import { table } from './table.js';

/**
 * `hub devices`: read and change the CHF Device Log in the store the hub uses. Install codes and
 * keys are personal data: they are shown masked, never in full. While the hub runs, these go
 * through its control socket (src/control), so the HAN sees a change at once.
 */

export interface DevicesOptions {
  /** The store (LevelDB) directory. */
  store: string;
  /** The directory holding the key file (`keys.json`) with the store's data key; defaults to the store directory. */
  keys?: string;
}

export class DevicesCommandError extends HubError {}

const at = (options: DevicesOptions): InvokeOptions => ({ storePath: resolve(options.store), ...(options.keys ? { keysDir: options.keys } : {}) });

export async function listDevices(options: DevicesOptions, json = false): Promise<string> {
  const { capacity, devices } = await invoke(devicesList, {}, at(options));
  if (json) return `${JSON.stringify({ capacity, devices }, null, 2)}\n`;
  if (devices.length === 0) return `The CHF Device Log is empty (capacity ${capacity}).\n`;
  const rows = devices.map((d) => [d.eui64, d.deviceType, d.installCode || '-', d.tcLinkKey === 'established' ? `established, hash ${d.hashedTcLinkKey.slice(0, 8)}…` : 'none', d.lastCommunication || 'never', d.signalStrength === null ? '' : `${d.signalStrength} dBm`]);
  return table(['EUI-64', 'TYPE', 'INSTALL CODE', 'TC LINK KEY', 'LAST COMMUNICATION', 'SIGNAL'], rows) + `${devices.length} of ${capacity} Devices\n`;
}

export async function listHistoric(options: DevicesOptions, json = false): Promise<string> {
  const { entries } = await invoke(devicesHistoric, {}, at(options));
  if (json) return `${JSON.stringify({ entries }, null, 2)}\n`;
  if (entries.length === 0) return 'The CHF Historic Device Log is empty.\n';
  return table(['EUI-64', 'RECORDED AT', 'TC LINK KEY', 'HASH'], entries.map((e) => [e.eui64, e.recordedAt, e.tcLinkKey, `${e.hashedTcLinkKey.slice(0, 8)}…`]));
}

export async function addDevice(options: DevicesOptions, request: { eui64: string; deviceType: string; installCode?: string }, json = false): Promise<string> {
  const { device: entry, ...outcome } = await invoke(devicesAdd, request, at(options));
  if (json) return `${JSON.stringify({ ...outcome, device: entry }, null, 2)}\n`;
  if (outcome.added) return `Added ${entry.eui64} (${entry.deviceType}, install code ${entry.installCode || 'none'}).\n`;
  if (outcome.installCodeTaken) return `${entry.eui64} had no install code (restored from a backup, or its code was dropped once its link key was established); it now has ${entry.installCode}.\n`;
  return `${entry.eui64} is already in the log; its install code and TC link key were kept unchanged.\n`;
}

export async function removeDevice(options: DevicesOptions, eui64: string, json = false): Promise<string> {
  const outcome = await invoke(devicesRemove, { eui64 }, at(options));
  if (json) return `${JSON.stringify(outcome, null, 2)}\n`;
  const kept = outcome.keptInHistoricLog ? '; its TC link key was kept in the Historic Device Log' : '';
  return `Removed ${parseEui64(eui64)} from the CHF Device Log${kept}. The hub no longer admits or relays it.\n`;
}

async function storeOptions(program: Command, opts: { store?: string; keys?: string }): Promise<DevicesOptions> {
  const store = opts.store ?? (await loadConfig(program.opts<{ config?: string }>().config)).store.path;
  return opts.keys === undefined ? { store } : { store, keys: opts.keys };
}

export function registerDevices(program: Command): void {
  const devices = program.command('devices').description('read and change the CHF Device Log (the HAN whitelist) in the hub\'s store');
  const common = (command: Command) =>
    command
      .option('--store <path>', 'the store directory (default: store.path from the config)')
      .option('--keys <dir>', `directory of ${KEY_FILE_NAME}, the store's data key (default: the store directory)`)
      .option('--json', 'print JSON');
  const out = (text: string) => void process.stdout.write(text);
  type Opts = { store?: string; keys?: string; json?: boolean };

  // `hub devices` alone: the HAN as the installer sees it (join state, last heard, link quality).
  common(devices.command('table', { isDefault: true }).description('the HAN at a glance: each Device, how its join stands, when it was last heard and how well')).action(async (opts: Opts) => {
    out(await devicesTable(resolve((await storeOptions(program, opts)).store), opts.json));
  });
  common(devices.command('list').description('the Devices in the log, with masked install codes and key status')).action(async (opts: Opts) => {
    out(await listDevices(await storeOptions(program, opts), opts.json));
  });
  common(devices.command('historic').description('the Historic Device Log: removed Devices whose TC link key is kept')).action(async (opts: Opts) => {
    out(await listHistoric(await storeOptions(program, opts), opts.json));
  });
  common(
    devices
      .command('add')
      .description(`add a Device; TYPE is one of ${DEVICE_TYPE_NAMES.filter((t) => DEVICE_TYPES[t].loggable).join(', ')}`)
      .argument('<eui64>', 'e.g. 00-DB-12-34-56-78-90-A0')
      .argument('<type>', 'device type')
      .argument('[installCode]', `refused (visible to other users): ${NEW_WAY}`)
      .option('--install-code-file <path>', 'read the install code (hex, CRC included) from this file; without it, a type that joins with one asks on standard input'),
  ).action(async (eui64: string, type: string, inArgv: string | undefined, opts: Opts & { installCodeFile?: string }) => {
    if (inArgv !== undefined) refuseInArgv();
    const installCode = await readInstallCode(type, opts.installCodeFile, { input: process.stdin, prompt: process.stderr });
    const request = installCode === undefined ? { eui64, deviceType: type } : { eui64, deviceType: type, installCode };
    out(await addDevice(await storeOptions(program, opts), request, opts.json));
  });
  common(devices.command('remove').description('remove a Device (its TC link key goes to the Historic Device Log)').argument('<eui64>')).action(async (eui64: string, opts: Opts) => {
    out(await removeDevice(await storeOptions(program, opts), eui64, opts.json));
  });
}
