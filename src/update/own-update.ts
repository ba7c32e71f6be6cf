import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { Logger } from '../../hal/log.js';
import type { HubFirmware, HubSlots, SlotName, UpgradeImage } from '../firmware/index.js';
import { HUB_EVENTS } from '../logs/index.js';
import { BUNDLE_DIR, unpackBundle } from './slot-bundle.js';

/**
 * The hub's own update on a board: an Upgrade Image for the CHF itself, once received over the WAN
 * and held (its supplier signature checked), is staged to the inactive slot with its bundle unpacked
 * beside it (checked against the bundle's manifest), activated on trial, and the new bundle's own
 * `hub selftest` run (with its own simulator, as the running hub holds the radio). A pass keeps the
 * new slot, recorded as a change of executing firmware; a failure goes back to the slot before,
 * logged with the checks that failed and recorded in the Event Log. The service's next start runs
 * whichever slot is then active (`kept` tells the caller to restart into it).
 */
export interface OwnUpdateResult {
  outcome: 'kept' | 'rolledBack';
  slot: SlotName;
  fileVersion: number;
  /** The new bundle's selftest report, one line per check. */
  selftest: string[];
}

export interface OwnUpdatesOptions {
  chf: string;
  firmware: Pick<HubFirmware, 'receiver' | 'images'>;
  slots: HubSlots;
  logger: Logger;
  record: (log: 'event' | 'security', code: number, detail: Record<string, string>) => Promise<unknown>;
  selftestTimeoutMs?: number;
}

export type OwnUpdates = EventEmitter<{ applied: [OwnUpdateResult] }>;

/** Runs `<bundle>/bin/hub selftest`; its report, and whether every check passed. */
function bundleSelftest(bundle: string, slotsRoot: string, timeoutMs: number): Promise<{ passed: boolean; lines: string[] }> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env['HUB_SLOT'];
    execFile(join(bundle, 'bin', 'hub'), ['selftest', '--slots', slotsRoot], { env, timeout: timeoutMs }, (error, stdout, stderr) => {
      const lines = stdout.trimEnd().split('\n').filter((line) => line !== '');
      resolve({ passed: !error, lines: error && lines.length === 0 ? [`selftest did not run: ${stderr.trim() || error.message}`] : lines });
    });
  });
}

export async function applyOwnImage(image: UpgradeImage, options: Pick<OwnUpdatesOptions, 'slots' | 'logger' | 'record' | 'selftestTimeoutMs'>): Promise<OwnUpdateResult> {
  const { slots, logger, record } = options;
  await slots.stage(image.bytes);
  const from = (await slots.state()).active;
  const staged: SlotName = from === 'a' ? 'b' : 'a';
  const slotDir = join(slots.root, `slot-${staged}`);
  await unpackBundle(image.manufacturerImage, slotDir);
  await slots.activate();
  logger.info({ slot: staged, fileVersion: image.header.fileVersion }, 'own image staged and activated on trial: running its selftest');
  const check = await bundleSelftest(join(slotDir, BUNDLE_DIR), slots.root, options.selftestTimeoutMs ?? 300_000);
  const outcome = await slots.confirm(check.passed);
  const active = (await slots.state()).active;
  if (outcome === 'kept') {
    logger.info({ slot: active, fileVersion: image.header.fileVersion }, 'own image passed its selftest: kept, running it from the next start');
    await record('security', HUB_EVENTS.executingFirmwareChanged.code, { slot: active });
  } else {
    const failed = check.lines.filter((line) => !line.startsWith('PASS') && !line.startsWith('SKIP'));
    logger.error({ slot: active, failed }, `own image failed its selftest: back to slot ${active.toUpperCase()}`);
    await record('event', HUB_EVENTS.futureDatedCommandNotActioned.code, { reason: `the new image failed its selftest: ${failed.join('; ').slice(0, 200)}` });
  }
  return { outcome, slot: active, fileVersion: image.header.fileVersion, selftest: check.lines };
}

/** Applies each image the WAN brings for the CHF itself, one at a time, and tells `applied` how each went. */
export function watchOwnImages(options: OwnUpdatesOptions): OwnUpdates {
  const updates: OwnUpdates = new EventEmitter();
  let chain = Promise.resolve();
  options.firmware.receiver.on('imageReceived', ({ target, image }) => {
    if (target !== options.chf) return;
    chain = chain.then(async () => {
      const held = await options.firmware.images.get(image.hash);
      if (!held) return;
      updates.emit('applied', await applyOwnImage(held, options));
    }).catch((error: unknown) => options.logger.error({ err: error }, 'own image not applied'));
  });
  return updates;
}
