import type { AccessStep, AccessUseCase, DlmsResponseView } from '../../gbcs/payload/dlms/index.js';
import { defineHandler, type HubIdentity, type UseCaseHandler } from '../../use-case/index.js';
import { commandView, RESULT, type ResultCode } from './dlms-answers.js';

type Read = { result: ResultCode; value?: Buffer };
type IdentitySteps = Record<string, AccessStep<undefined, Buffer>>;

/**
 * The identity values the hub's configuration gives (ECS26n, ECS26i), read one after the other as
 * one ACCESS request: a value the configuration does not hold is a hardware fault, and the reads
 * after it are not attempted (other reason), as the RTDS ERROR responses have them.
 */
export function readInOrder(values: ReadonlyArray<Buffer | undefined>): Read[] {
  let failed = false;
  return values.map((value): Read => {
    if (failed) return { result: RESULT.otherReason };
    if (value === undefined || value.length === 0) {
      failed = true;
      return { result: RESULT.hardwareFault };
    }
    return { result: RESULT.success, value };
  });
}

/** A CHF handler that answers `reads`' gets, in order, with `values` of the hub's identity. */
export function identityReadHandler<S extends IdentitySteps>(reads: AccessUseCase<S>, values: (identity: HubIdentity) => Array<Buffer | undefined>): UseCaseHandler {
  return defineHandler({
    useCase: reads.useCase,
    device: 'CHF',
    decodeCommand: (payload) => reads.decodeCommand(payload),
    async handle(context, command) {
      const { invokeId } = commandView<S>(command);
      const outcomes = readInOrder(values(context.identity));
      const results = Object.fromEntries(Object.keys(reads.steps).map((name, i) => [name, outcomes[i]!])) as DlmsResponseView<S>['results'];
      return { payload: reads.encodeResponse({ invokeId, results }) };
    },
  });
}
