import { fromCoordinatorBackup, NetworkBackupError, toCoordinatorBackup, type CoordinatorBackup } from '../../han/index.js';
import type { Operation } from '../operation.js';

/**
 * The kept network identity as zigbee2mqtt's coordinator backup JSON, out and in. The backup holds
 * the network key: the caller writes it to a file of mode 0600, never to a terminal.
 */
export const networkBackup: Operation<Record<string, never>, CoordinatorBackup> = {
  name: 'network.backup',
  args: { type: 'object', additionalProperties: false },
  sealed: true,
  async run(context) {
    const kept = await (await context.networkIdentity()).stored();
    if (!kept) throw new NetworkBackupError('NETWORK_NOT_FORMED', 'the hub has not formed a network yet: start it once first', { where: 'store' });
    return toCoordinatorBackup(kept, 'gb-comms-hub', new Date());
  },
};

export const networkRestore: Operation<{ backup: unknown }, { channel: number; extendedPanId: string }> = {
  name: 'network.restore',
  // The backup's own checks (fromCoordinatorBackup) say what is wrong and where.
  args: { type: 'object', properties: { backup: {} }, required: ['backup'], additionalProperties: false },
  sealed: true,
  async run(context, { backup }) {
    const restored = fromCoordinatorBackup(backup);
    await (await context.networkIdentity()).replace(restored);
    return { channel: restored.channel, extendedPanId: restored.extendedPanId };
  },
};
