import type { Logger } from '../../hal/log.js';
import { HUB_EVENTS } from '../logs/index.js';
import type { CredentialSource } from '../security/certificates.js';
import { HubSlots, type Recovery } from './hub-slots.js';
import { parseUpgradeImage } from './upgrade-image.js';
import { verifyUpgradeImage } from './verify.js';

/**
 * The hub's own slots at start-up: `recover` before the hub relies on anything, then, on a new
 * slot's trial start, the hub's check: it confirms once it is up (store open, radio answering, the
 * WAN connected or deliberately absent), or fails the trial when the WAN does not come within the
 * trial time, so the next start runs the previous slot. Each outcome goes to the logs.
 */
export interface SlotsAtStartOptions {
  root: string;
  credentials: CredentialSource;
  logger: Logger;
  /** Change in the executing firmware (Security Log); future-dated command not actioned (Event Log). */
  record: (log: 'event' | 'security', code: number, detail: Record<string, string>) => Promise<unknown>;
}

export interface SlotsAtStart {
  slots: HubSlots;
  recovery: Recovery;
  /** The hub's check passed or failed; only a slot on trial changes. */
  confirm(healthy: boolean, why: string): Promise<void>;
}

export async function openSlotsAtStart(options: SlotsAtStartOptions): Promise<SlotsAtStart> {
  const slots = new HubSlots(options.root, (image) => void verifyUpgradeImage(parseUpgradeImage(image, { signature: 'required' }), options.credentials));
  const recovery = await slots.recover();
  if (recovery === 'rolledBack') {
    options.logger.error({ slots: options.root, active: (await slots.state()).active }, 'the new image did not come up: running the previous slot again');
    await options.record('event', HUB_EVENTS.futureDatedCommandNotActioned.code, { reason: 'the new image did not pass its first start; the previous slot runs' });
  }
  return {
    slots,
    recovery,
    async confirm(healthy, why) {
      if (recovery !== 'onTrial') return;
      const result = await slots.confirm(healthy);
      const active = (await slots.state()).active;
      if (result === 'kept') {
        options.logger.info({ slot: active }, 'new image confirmed');
        await options.record('security', HUB_EVENTS.executingFirmwareChanged.code, { slot: active });
      } else {
        options.logger.error({ slot: active, why }, 'new image failed its check: the next start runs the previous slot');
        await options.record('event', HUB_EVENTS.futureDatedCommandNotActioned.code, { reason: why });
      }
    },
  };
}
