import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../hal/clock.js';
import type { Logger } from '../../hal/log.js';
import type { FirmwareTransferEnded, HubFirmware, HubSlots, OwnImage, SlotName, SlotTrial } from '../firmware/index.js';
import { HUB_EVENTS } from '../logs/index.js';
import { BUNDLE_DIR, unpackBundle, UpdateError } from './slot-bundle.js';

/**
 * The hub's own update on a board. As GBCS has it, receiving an Upgrade Image for the CHF itself
 * (CS05) only stores it: once held (its supplier signature checked) it is staged to the inactive
 * slot with its bundle unpacked beside it and checked against the bundle's manifest, so a bad
 * bundle is refused on arrival (the image dropped, a CCS08 and an Event Log entry) — and nothing
 * switches. Only CS06 activates (OwnImage): it switches to the staged slot on trial and runs the new
 * bundle's own `hub selftest` (with its own simulator, as the running hub holds the radio). A pass
 * keeps the new slot, recorded as a change of executing firmware, and the hub restarts into it; a
 * failure goes back to the slot before, logged with the checks that failed and recorded in the
 * Event Log (0x8F67). Slots laid out without bundles (no `bundle/` in the running slot) hold images
 * only, and a switch to one is checked by the first start on it instead.
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
  clock: Pick<Clock, 'now'>;
}

export type OwnUpdates = EventEmitter<{
  /** An image for the hub is in the inactive slot, ready for a CS06. */
  staged: [{ slot: SlotName; fileVersion: number; hash: string }];
  /** An image for the hub that cannot run was dropped on arrival (the CHF reports it as a CCS08). */
  refused: [FirmwareTransferEnded];
  /** A CS06 switched slots and the new slot's selftest decided: kept or rolled back. */
  applied: [OwnUpdateResult];
}>;

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

/** The board's part in OwnImage's switch: bundles unpacked when staged, the new bundle's selftest right after the switch. */
export function bundleTrial(options: Pick<OwnUpdatesOptions, 'slots' | 'logger' | 'record' | 'selftestTimeoutMs'>, updates: OwnUpdates): SlotTrial {
  const { slots, logger, record } = options;
  const slotDir = (slot: SlotName) => join(slots.root, `slot-${slot}`);
  // A board's slots run bundles (flash/install unpacked slot A's); a bare slot tree holds images only.
  const runsBundles = async (slot: SlotName) => existsSync(join(slotDir(slot === 'a' ? 'b' : 'a'), BUNDLE_DIR)) || existsSync(join(slotDir(slot), BUNDLE_DIR));
  return {
    async prepare(image, slot) {
      if (await runsBundles(slot)) await unpackBundle(image.manufacturerImage, slotDir(slot));
    },
    async check(image, slot) {
      if (!existsSync(join(slotDir(slot), BUNDLE_DIR))) return 'atNextStart';
      logger.info({ slot, fileVersion: image.header.fileVersion }, 'own image activated on trial: running its selftest');
      const check = await bundleSelftest(join(slotDir(slot), BUNDLE_DIR), slots.root, options.selftestTimeoutMs ?? 300_000);
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
      updates.emit('applied', { outcome, slot: active, fileVersion: image.header.fileVersion, selftest: check.lines });
      return outcome;
    },
  };
}

/** Stages each image the WAN brings for the CHF itself, one at a time; drops one whose bundle cannot run. */
export function watchOwnImages(options: OwnUpdatesOptions & { own: Pick<OwnImage, 'stage'> }, updates: OwnUpdates = new EventEmitter()): OwnUpdates {
  let chain = Promise.resolve();
  options.firmware.receiver.on('imageReceived', ({ target, image }) => {
    if (target !== options.chf) return;
    chain = chain.then(async () => {
      try {
        const { slot, image: staged } = await options.own.stage(image.hash);
        options.logger.info({ slot, fileVersion: staged.header.fileVersion }, 'own image staged: a CS06 activates it');
        updates.emit('staged', { slot, fileVersion: staged.header.fileVersion, hash: image.hash });
      } catch (error) {
        if (!(error instanceof UpdateError)) throw error;
        options.logger.error({ err: error, image: image.hash }, 'own image refused: its bundle cannot run');
        await options.slots.discardStaged();
        await options.firmware.images.remove(image.hash);
        await options.record('event', HUB_EVENTS.firmwareTransferFailed.code, { reason: `the new image was refused: ${error.message}`.slice(0, 200) });
        const version = Buffer.alloc(4);
        version.writeUInt32BE(image.fileVersion);
        updates.emit('refused', { at: options.clock.now(), target, firmwareVersion: version, outcome: 'imageDiscarded', cause: error.code });
      }
    }).catch((error: unknown) => options.logger.error({ err: error }, 'own image not staged'));
  });
  return updates;
}
