import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from '../../hal/log.js';
import type { HubConfig } from '../config.js';
import { readEmbeddedLogins, wanSettingsFromConfig } from '../wan/index.js';
import { registry } from './dispatch.js';
import { hubControlEvents } from './events.js';
import { hubControlContext, type RunningHub } from './hub-context.js';
import { startMqttControl } from './mqtt.js';
import { CONTROL_OPERATIONS } from './operations/index.js';
import { ControlError } from './protocol.js';
import { startControlServer } from './server.js';

/** The lab head end's public key, refused at start if it is not one. */
async function headEndKey(path: string): Promise<KeyObject> {
  let key: KeyObject;
  try {
    key = createPublicKey(await readFile(path));
  } catch (error) {
    throw new ControlError('CONTROL_KEY_UNREADABLE', `not a readable PEM public key (${(error as NodeJS.ErrnoException).code ?? 'unparseable'})`, { where: `control.headEndKey ${path}` });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new ControlError('CONTROL_KEY_UNREADABLE', 'must be an ECDSA P-256 public key', { where: `control.headEndKey ${path}` });
  return key;
}

/**
 * The running hub's control API: on its socket always, and over MQTT when `control.headEndKey`
 * names the lab head end's key and the hub has a broker. `close` stops both and detaches from the hub.
 */
export async function startControl(hub: RunningHub, config: HubConfig, logger: Logger, broker?: string): Promise<{ close(): Promise<void> }> {
  const log = logger.child({ component: 'control' });
  const feed = hubControlEvents(hub);
  const context = hubControlContext(hub, config.store.path, feed.events);
  const operations = registry(CONTROL_OPERATIONS);
  const closers: Array<() => Promise<void>> = [async () => feed.close()];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer().catch((error: unknown) => log.warn({ err: error }, 'error while stopping control'));
  };
  try {
    const server = await startControlServer({ storePath: config.store.path, context, operations, logger: log });
    closers.push(() => server.close());
    if (config.control.headEndKey !== undefined && broker !== undefined) {
      // On the embedded broker, with the hub's login made beside the store (src/wan/embedded-login.ts).
      const login = config.wan.broker === undefined ? (await readEmbeddedLogins(config.store.path))?.hub : undefined;
      const mqtt = await startMqttControl({
        settings: { ...wanSettingsFromConfig(config.wan, broker), ...login }, chf: hub.network.localEui64, headEndKey: await headEndKey(config.control.headEndKey),
        context, operations, clock: hub.clock, logger: log,
      });
      closers.push(() => mqtt.close());
    }
    return { close };
  } catch (error) {
    await close();
    throw error;
  }
}
