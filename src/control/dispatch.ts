import { HubError } from '../../hal/errors.js';
import type { Logger } from '../../hal/log.js';
import { checkArgs, isStream, type AnyOperation, type Caller, type ControlContext } from './operation.js';
import { ControlError, CONTROL_PROTOCOL_VERSION, toWireError, type ControlReply, type ControlRequest, type RequestId } from './protocol.js';

/** The operations a hub serves, by name. */
export type OperationRegistry = ReadonlyMap<string, AnyOperation>;

export function registry(operations: readonly AnyOperation[]): OperationRegistry {
  return new Map(operations.map((operation) => [operation.name, operation]));
}

export interface Dispatcher {
  /** Carry out one request; replies (and, for a stream, its events) go to `send`. */
  handle(request: ControlRequest, send: (reply: ControlReply) => void): Promise<void>;
  /** End one stream, or all of them (the peer went away). */
  end(id?: RequestId): void;
}

const v = CONTROL_PROTOCOL_VERSION;

/**
 * One peer's requests against the hub's operations: the same for a socket connection and an MQTT
 * head end. Every reply is sent only once its operation has finished, so an `ok` for a change means
 * the change is in the store (the store syncs every acknowledged write).
 */
export function dispatcher(operations: OperationRegistry, context: ControlContext, caller: Caller, logger: Logger): Dispatcher {
  const streams = new Map<RequestId, () => void>();
  const end = (id?: RequestId) => {
    for (const [key, stop] of [...streams]) {
      if (id !== undefined && key !== id) continue;
      streams.delete(key);
      stop();
    }
  };
  return {
    end,
    async handle(request, send) {
      try {
        if (request.op === 'unsubscribe') {
          const id = request.args?.id;
          if ((typeof id !== 'string' && typeof id !== 'number') || !streams.has(id)) throw new ControlError('NO_SUCH_STREAM', 'no stream with that id on this connection', { where: 'unsubscribe id' });
          end(id);
          send({ v, id: request.id, ok: true, result: { unsubscribed: id } });
          return;
        }
        const operation = operations.get(request.op);
        if (!operation) throw new ControlError('UNKNOWN_OPERATION', `no operation "${request.op}" (this hub has: ${[...operations.keys(), 'unsubscribe'].join(', ')})`, { where: 'request.op' });
        const args = checkArgs(operation, request.args);
        if (isStream(operation)) {
          if (streams.has(request.id)) throw new ControlError('BAD_REQUEST', 'a stream with this id is already open', { where: 'request.id' });
          const stop = await operation.start(context, args, (event) => send({ v, id: request.id, event }));
          streams.set(request.id, stop);
          send({ v, id: request.id, ok: true, result: { subscribed: true } });
          return;
        }
        send({ v, id: request.id, ok: true, result: await operation.run(context, args, caller) });
      } catch (error) {
        // An expected failure is the caller's to read; only a surprise belongs in the hub's log.
        if (!(error instanceof HubError)) logger.error({ err: error, op: request.op }, 'control request failed');
        send({ v, id: request.id, ok: false, error: toWireError(error) });
      }
    },
  };
}
