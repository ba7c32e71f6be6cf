import type { Eui64 } from '../../hal/radio.js';
import { routeOf } from '../gbcs/index.js';
import { gpfEui64 } from '../gpf/index.js';
import type { Telemetry } from '../wan/index.js';

/**
 * Why a command sent with `hub send` (or `hub headend`) got no response, as far as a tool outside
 * the hub can tell: GBCS answers nothing it refuses (an answer would help an attacker), so the
 * hub's reasons are only in its Security Log. What the message itself shows is said here.
 */
export function explainNoResponse(bytes: Buffer, hub: Eui64, telemetry: Pick<Telemetry, 'han'> | undefined): string {
  let route;
  try {
    route = routeOf(bytes);
  } catch (error) {
    return `it is not a GBCS message the hub can read (${error instanceof Error ? error.message : String(error)}), so the hub drops it as MALFORMED`;
  }
  if (route.cra !== 'command') return `it is a ${route.cra}, not a command: the hub answers commands only`;
  const gpf = gpfEui64(hub);
  const devices = telemetry?.han.devices.map((device) => device.eui64) ?? [];
  const known = route.recipient === hub || route.recipient === gpf || devices.includes(route.recipient);
  if (!known && telemetry) {
    return `its recipient ${route.recipient} is not this hub's CHF (${hub}), its GPF (${gpf}, unless identity.gpf says otherwise) nor a Device in its Device Log, so the hub refuses it as UNKNOWN_RECIPIENT`;
  }
  const relayed = devices.includes(route.recipient) ? `; it is for ${route.recipient}, a HAN Device, which answers through the hub when it can (a sleepy one when it wakes)` : '';
  return `the hub refused it or has not answered yet${relayed}. The hub answers no command it refuses: see why in its log or its Security Log (\`hub logs security\`) (originator ${route.originator}, counter ${route.originatorCounter})`;
}
