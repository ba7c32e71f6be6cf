import type { Logger } from '../../hal/log.js';
import type { Hub } from '../hub.js';
import { registry } from './dispatch.js';
import { hubControlEvents } from './events.js';
import { hubControlContext } from './hub-context.js';
import { CONTROL_OPERATIONS } from './operations/index.js';
import { startControlServer } from './server.js';

/** The running hub's control API on its socket; `close` stops serving and detaches from the hub. */
export async function startControl(hub: Hub, storePath: string, logger: Logger): Promise<{ close(): Promise<void> }> {
  const feed = hubControlEvents(hub);
  const context = hubControlContext(hub, storePath, feed.events);
  const operations = registry(CONTROL_OPERATIONS);
  try {
    const server = await startControlServer({ storePath, context, operations, logger: logger.child({ component: 'control' }) });
    return {
      close: async () => {
        await server.close();
        feed.close();
      },
    };
  } catch (error) {
    feed.close();
    throw error;
  }
}
