import type { Logger } from '../../hal/log.js';
import type { HubConfig } from '../config.js';
import type { Hub } from '../compose.js';
import { startInstallerPage, type InstallerPage } from '../installer/index.js';

/** The installer page for a running hub, when `installer.page.enabled`; undefined otherwise (the page is off unless configured). */
export async function startInstallerPageFor(hub: Hub, config: HubConfig, logger: Logger, simulatedRadio: boolean): Promise<InstallerPage | undefined> {
  if (!config.installer.page.enabled) return undefined;
  return startInstallerPage({
    hub: { ...hub, simulatedRadio },
    config: config.installer.page,
    pins: hub.gpf.pins,
    eventLog: hub.logs.eventLog,
    securityLog: hub.logs.securityLog,
    clock: hub.clock,
    logger: logger.child({ component: 'installer-page' }),
  });
}
