import { HubError } from '../../hal/errors.js';
import { messageCodeEntry, messageCodesFor } from '../gbcs/index.js';
import type { RemotePartyRole } from '../security/certificates.js';
import { certificateRolesFor } from '../security/role-policy.js';
import type { HandlerContext, HubDevice, UseCaseCommand, UseCaseHandler, UseCaseResult } from './use-case.js';

export class RegistryError extends HubError {}

export interface HandlerDefinition {
  useCase: string;
  device: HubDevice;
  /** Default: every code message-codes.ts lists for the use case (alert-only codes left out). */
  messageCodes?: readonly number[];
  /** Default: the role policy table (src/security/role-policy.ts). */
  allowedRoles?: readonly RemotePartyRole[];
  rolesByCode?: ReadonlyMap<number, readonly RemotePartyRole[]>;
  decodeCommand?(payload: Buffer): unknown;
  handle(context: HandlerContext, command: UseCaseCommand): Promise<UseCaseResult>;
}

/**
 * A handler from its use case name: codes, criticality and roles come from the tables, so a
 * handler file states only what is particular to it.
 */
export function defineHandler(definition: HandlerDefinition): UseCaseHandler {
  const codes = definition.messageCodes ?? messageCodesFor(definition.useCase).filter((code) => !messageCodeEntry(code)?.alertOnly);
  if (codes.length === 0) throw new RegistryError('NO_MESSAGE_CODE', 'no command Message Code is known for it', { where: definition.useCase });
  const entries = codes.map((code) => {
    const entry = messageCodeEntry(code);
    if (!entry) throw new RegistryError('NO_MESSAGE_CODE', `0x${code.toString(16)} is not in the message code table`, { where: definition.useCase });
    return entry;
  });
  // The router checks each command's own code: CS02b's accessControlBrokerByACB is not critical, its other codes are.
  const critical = entries.some((entry) => entry.critical);
  return {
    useCase: definition.useCase,
    messageCodes: codes,
    device: definition.device,
    critical,
    allowedRoles: definition.allowedRoles ?? certificateRolesFor(definition.useCase, codes[0]),
    ...(definition.rolesByCode ? { rolesByCode: definition.rolesByCode } : {}),
    ...(definition.decodeCommand ? { decodeCommand: definition.decodeCommand } : {}),
    handle: definition.handle,
  };
}

/** Handlers by (Device, Message Code). One handler per pair; a second is a programming error. */
export class HandlerRegistry {
  private readonly byKey = new Map<string, UseCaseHandler>();

  constructor(handlers: Iterable<UseCaseHandler> = []) {
    for (const handler of handlers) this.register(handler);
  }

  register(handler: UseCaseHandler): void {
    for (const code of handler.messageCodes) {
      const key = keyOf(handler.device, code);
      const held = this.byKey.get(key);
      if (held) {
        throw new RegistryError('DUPLICATE_HANDLER', `${held.useCase} already answers 0x${code.toString(16).padStart(4, '0')} on the ${handler.device}`, {
          where: handler.useCase,
        });
      }
      this.byKey.set(key, handler);
    }
  }

  find(device: HubDevice, messageCode: number): UseCaseHandler | undefined {
    return this.byKey.get(keyOf(device, messageCode));
  }

  all(): UseCaseHandler[] {
    return [...new Set(this.byKey.values())];
  }
}

function keyOf(device: HubDevice, code: number): string {
  return `${device}/${code}`;
}
