import type { CommandName, RequestParams, ResponseParams } from '../ezsp/index.js';
import type { SimulatedNcp } from './ncp.js';
import { CONFIG_HANDLERS } from './ncp-config.js';
import { BROADCAST_HANDLERS } from './ncp-broadcast.js';
import { KEY_HANDLERS } from './ncp-keys.js';
import { MESSAGING_HANDLERS } from './ncp-messaging.js';
import { NETWORK_HANDLERS } from './ncp-network.js';
import { SERVICE_HANDLERS } from './ncp-services.js';
import { TRUST_CENTRE_HANDLERS } from './trust-centre.js';

/** One EZSP command, answered from the NCP's state; callbacks it raises go out after the answer. */
export type CommandHandler<N extends CommandName = CommandName> = (ncp: SimulatedNcp, params: RequestParams<N>) => ResponseParams<N>;

export type CommandHandlers = { [N in CommandName]?: CommandHandler<N> };

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
