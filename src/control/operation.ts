import { Ajv, type SchemaObject, type ValidateFunction } from 'ajv';
import type { DeviceLog } from '../chf/index.js';
import type { JoinWindows } from '../chf/index.js';
import type { FirmwareImages, TransferProgress } from '../firmware/index.js';
import type { GasProxyData } from '../gpf/index.js';
import type { NetworkIdentity } from '../han/index.js';
import type { HubLogs } from '../logs/index.js';
import type { JoinProgress, Pairing } from '../installer/index.js';
import type { SecurityCredentials } from '../security/credentials.js';
import type { PinStore } from '../security/pin-store.js';
import type { Store } from '../store/index.js';
import type { ControlEvents } from './events.js';
import { ControlError } from './protocol.js';

/**
 * What an operation works on. A running hub hands over its live parts (so a change is seen by the
 * HAN at once); with no hub running the CLI opens the store itself and builds the same parts on
 * demand. Either way the operation's code is the same, so are its results.
 */
export interface ControlContext {
  /** The store directory, as the hub names it in messages. */
  readonly storePath: string;
  /** True inside a running hub. */
  readonly live: boolean;
  store(): Promise<Store>;
  deviceLog(): Promise<DeviceLog>;
  logs(): Promise<HubLogs>;
  pins(): Promise<PinStore>;
  gasProxyData(): Promise<GasProxyData>;
  networkIdentity(): Promise<NetworkIdentity>;
  firmware(): Promise<{ images: FirmwareImages; credentials: SecurityCredentials; transfers(): TransferProgress[] }>;
  /** The running hub's join windows and event stream; undefined with no hub running. */
  readonly joinWindows: JoinWindows | undefined;
  readonly events: ControlEvents | undefined;
  /** The running hub's installer actions and join-progress stream (`hub pair`); undefined with no hub running. */
  readonly pairing: Pairing | undefined;
  readonly joinProgress: JoinProgress | undefined;
}

/** Who asked: the Security Log records the channel a PIN came through. */
export interface Caller {
  channel: 'cli' | 'wan';
}

export interface Operation<A, R> {
  readonly name: string;
  /** JSON Schema of the arguments (write it `satisfies JSONSchemaType<A>`), checked before `run` sees them. */
  readonly args: SchemaObject;
  /** Needs the store's data key (sealed, personal domains): a local run then needs keys.json. */
  readonly sealed: boolean;
  /** May create the store on first use (installation), e.g. the first Device or the engineering PIN. */
  readonly creates?: (args: A) => boolean;
  /** Served to the lab head end over MQTT too (never one that takes a PIN, a path on the hub or a network key). */
  readonly wan?: true;
  run(context: ControlContext, args: A, caller: Caller): Promise<R>;
}

/** An operation whose answer is a stream: `emit` sends one event; the returned function ends it. */
export interface StreamOperation<A> {
  readonly name: string;
  readonly args: SchemaObject;
  readonly stream: true;
  start(context: ControlContext, args: A, emit: (event: unknown) => void): Promise<() => void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the registry holds operations of every argument type
export type AnyOperation = Operation<any, unknown> | StreamOperation<any>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see AnyOperation
export function isStream(operation: AnyOperation): operation is StreamOperation<any> {
  return 'stream' in operation;
}

const ajv = new Ajv({ allErrors: true, strict: true });
const validators = new WeakMap<object, ValidateFunction>();

/** The arguments, checked against the operation's schema: a typed BAD_ARGUMENTS naming the field. */
export function checkArgs<A>(operation: { name: string; args: SchemaObject } & ({ run(context: ControlContext, args: A, caller: Caller): unknown } | { start(context: ControlContext, args: A, emit: (event: unknown) => void): unknown }), given: unknown): A {
  let validate = validators.get(operation.args);
  if (!validate) {
    validate = ajv.compile(operation.args);
    validators.set(operation.args, validate);
  }
  const args = given ?? {};
  if (validate(args)) return args as A;
  const first = validate.errors?.[0];
  const field = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
  throw new ControlError('BAD_ARGUMENTS', `${first?.message ?? 'invalid arguments'}`, { where: `${operation.name}${field ? ` ${field}` : ''}` });
}
