import type { CommandHandlers } from './ncp-context.js';
import { CONFIG_HANDLERS } from './ncp-config.js';
import { BROADCAST_HANDLERS } from './ncp-broadcast.js';
import { KEY_HANDLERS } from './ncp-keys.js';
import { MESSAGING_HANDLERS } from './ncp-messaging.js';
import { NETWORK_HANDLERS } from './ncp-network.js';
import { SERVICE_HANDLERS } from './ncp-services.js';
import { TRUST_CENTRE_HANDLERS } from './trust-centre.js';

/** Every command the simulated NCP answers (`version` and `callback` are handled by the NCP itself). */
export const COMMAND_HANDLERS: CommandHandlers = {
  ...CONFIG_HANDLERS,
  ...NETWORK_HANDLERS,
  ...TRUST_CENTRE_HANDLERS,
  ...MESSAGING_HANDLERS,
  ...SERVICE_HANDLERS,
  ...KEY_HANDLERS,
  ...BROADCAST_HANDLERS,
};

export const ANSWERED_COMMANDS: readonly string[] = ['version', 'callback', ...Object.keys(COMMAND_HANDLERS)];
