import type { Eui64 } from '../../hal/radio.js';
import { deviceTypeByCode } from '../security/device-types.js';
import type { DecodedPayload } from '../gbcs/payload/index.js';
import { decideRole, type RoleRequest } from '../security/role-policy.js';
import { Refusal } from './refusal.js';
import type { HandlerContext, HubDevice, RemoteParty } from '../use-case/index.js';

/**
 * The router's role step: the command as role-policy.ts needs to see it (the party, the supply
 * arrangement, the Device a Device Log change acts on, what the Device Log holds), and its refusal
 * as ROLE_NOT_ALLOWED naming the rule. It reads state and changes none.
 */
export interface RoleCheck {
  useCase: string;
  messageCode: number;
  device: HubDevice;
  party: RemoteParty;
  payload: DecodedPayload;
}

/** CCS01 carries the Device and its type code; CCS02 the Device, whose type the Device Log holds. */
function subjectOf(context: Omit<HandlerContext, 'alerts'>, check: RoleCheck): RoleRequest['subject'] {
  const value = check.payload.view?.value as { parameters?: Record<string, unknown> } | undefined;
  const parameters = value?.parameters;
  if (!parameters) return undefined;
  if (check.useCase === 'CCS01') {
    const registration = parameters['registerDevice'] as { deviceId: Eui64; deviceType: number } | undefined;
    if (!registration) return undefined;
    return { eui64: registration.deviceId, deviceType: deviceTypeByCode(registration.deviceType) };
  }
  if (check.useCase === 'CCS02') {
    const eui64 = parameters['unregisterDevice'] as Eui64 | undefined;
    if (eui64 === undefined) return undefined;
    return { eui64, deviceType: context.chf.deviceLog.get(eui64)?.deviceType };
  }
  return undefined;
}

export function checkRole(context: Omit<HandlerContext, 'alerts'>, check: RoleCheck): void {
  const { deviceLog } = context.chf;
  const subject = subjectOf(context, check);
  const decision = decideRole({
    useCase: check.useCase,
    messageCode: check.messageCode,
    recipient: check.device,
    party: check.party,
    supply: context.chf.supply?.current() ?? {},
    ...(subject ? { subject } : {}),
    gpf: context.identity.gpf,
    deviceLogHolds: (type) => deviceLog.list().some((entry) => entry.deviceType === type),
  });
  if (!decision.allowed) throw new Refusal('ROLE_NOT_ALLOWED', `${decision.reason} (rule: ${decision.rule})`, { where: check.party.eui });
}
