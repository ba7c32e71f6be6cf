import type { JSONSchemaType } from 'ajv';
import type { Operation } from '../operation.js';
import { ControlError } from '../protocol.js';

/**
 * `store.check` in a running hub: the losses LevelDB reported when the hub opened its store and the
 * sealed records that no longer open, read from the live store (nothing is dropped). With no hub
 * running the CLI checks a copy instead (src/cli/store.ts), so opening cannot destroy the evidence.
 */
export interface StoreCheckArgs {
  acknowledge?: boolean;
}

export interface StoreCheck {
  problems: string[];
  schemaVersion: number;
}

export const storeCheck: Operation<StoreCheckArgs, StoreCheck> = {
  name: 'store.check',
  wan: true,
  args: { type: 'object', properties: { acknowledge: { type: 'boolean', nullable: true } }, additionalProperties: false } satisfies JSONSchemaType<StoreCheckArgs>,
  sealed: true,
  async run(context, { acknowledge }) {
    if (!context.live) throw new ControlError('HUB_NOT_RUNNING', 'a live check needs the running hub; with none, `hub store check` checks a copy', { where: 'store.check' });
    const store = await context.store();
    const unreadable = await store.sweepUnreadable({ drop: false });
    const damaged = unreadable.map(({ domain, records }) => `${records} sealed record(s) in ${domain} no longer open (changed on disk); stop the hub and run: hub store repair --drop-unreadable ${JSON.stringify(context.storePath)}`);
    const problems = [...store.recoveryProblems, ...damaged];
    if (acknowledge) await store.acknowledgeRecoveryProblems();
    return { problems, schemaVersion: store.schemaVersion };
  },
};
