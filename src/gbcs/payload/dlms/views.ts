import { decodeDateTime, encodeDateTime, type DlmsDateTime } from '../../date-time.js';
import { PayloadError } from '../errors.js';
import { decodeDlms, encodeDlms, type AccessKind, type AccessRequestSpec, type CosemReference, type DlmsApdu } from './apdu.js';
import type { Shape } from './shape.js';
import type { DlmsData } from './types.js';

/**
 * Typed views of DLMS payloads. A use case is declared as its ordered accesses (which object,
 * which member, the shape of the value each carries); the same declaration decodes and encodes
 * its command, its response and, for alerts, the notification body.
 */
export interface AccessStep<Q, R> {
  kind: AccessRequestSpec['kind'];
  target: CosemReference;
  /** Access selector, for get-with-selection. */
  selector?: number;
  /** The value the command carries (the selective-access parameters for get-with-selection). */
  request: Shape<Q>;
  /** The value a successful response carries. */
  response: Shape<R>;
}

export type Steps = Record<string, AccessStep<unknown, unknown>>;
type RequestOf<S> = S extends AccessStep<infer Q, unknown> ? Q : never;
type ResponseOf<S> = S extends AccessStep<unknown, infer R> ? R : never;

export interface DlmsCommandView<S extends Steps> {
  invokeId: number;
  dateTime?: Buffer;
  parameters: { [K in keyof S]: RequestOf<S[K]> };
}

export interface AccessOutcome<R> {
  /** Data-Access-Result or Action-Result; 0 is success. */
  result: number;
  /** Absent when the response carries null-data (always so for a failure). */
  value?: R;
}

export interface DlmsResponseView<S extends Steps> {
  invokeId: number;
  dateTime?: Buffer;
  results: { [K in keyof S]: AccessOutcome<ResponseOf<S[K]>> };
}

export function step<Q, R>(definition: AccessStep<Q, R>): AccessStep<Q, R> {
  return definition;
}

function asApdu(input: Buffer | DlmsApdu): DlmsApdu {
  return Buffer.isBuffer(input) ? decodeDlms(input) : input;
}

function sameTarget(a: CosemReference, b: CosemReference): boolean {
  return a.classId === b.classId && a.instance === b.instance && a.member === b.member;
}

function describe(kind: string, target: CosemReference): string {
  return `${kind} class ${target.classId} ${target.instance} member ${target.member}`;
}

export class AccessUseCase<S extends Steps> {
  private readonly names: string[];

  constructor(
    readonly useCase: string,
    readonly steps: S,
  ) {
    this.names = Object.keys(steps);
  }

  decodeCommand(input: Buffer | DlmsApdu): DlmsCommandView<S> {
    const apdu = asApdu(input);
    if (apdu.apdu !== 'access-request') throw new PayloadError('BAD_TAG', 'APDU', `a ${this.useCase} command is an ACCESS request, not ${apdu.apdu}`, 0);
    this.checkCount(apdu.specs.length, 'access request specifications');
    const parameters: Record<string, unknown> = {};
    this.names.forEach((name, i) => {
      const definition = this.steps[name]!;
      const spec = apdu.specs[i]!;
      const field = `access request specification[${i}] (${name})`;
      if (spec.kind !== definition.kind || !sameTarget(spec.target, definition.target)) {
        throw new PayloadError('BAD_VALUE', field, `expected ${describe(definition.kind, definition.target)}, found ${describe(spec.kind, spec.target)}`);
      }
      if (spec.kind === 'get-with-selection') {
        if (spec.selector !== definition.selector) throw new PayloadError('BAD_VALUE', field, `access selector ${spec.selector}, expected ${definition.selector}`);
        parameters[name] = definition.request.decode(spec.parameters, `${name} selective access`);
        expectNull(apdu.data[i]!, `access request data[${i}] (${name})`);
      } else {
        parameters[name] = definition.request.decode(apdu.data[i]!, `access request data[${i}] (${name})`);
      }
    });
    return { invokeId: apdu.invokeId, ...(apdu.dateTime ? { dateTime: apdu.dateTime } : {}), parameters: parameters as DlmsCommandView<S>['parameters'] };
  }

  encodeCommand(view: DlmsCommandView<S>): Buffer {
    const specs: AccessRequestSpec[] = [];
    const data: DlmsData[] = [];
    for (const name of this.names) {
      const definition = this.steps[name]!;
      const value = definition.request.encode(view.parameters[name], name);
      if (definition.kind === 'get-with-selection') {
        specs.push({ kind: 'get-with-selection', target: definition.target, selector: definition.selector ?? 0, parameters: value });
        data.push({ type: 'null-data' });
      } else {
        specs.push({ kind: definition.kind, target: definition.target });
        data.push(value);
      }
    }
    return encodeDlms({ apdu: 'access-request', invokeId: view.invokeId, ...(view.dateTime ? { dateTime: view.dateTime } : {}), specs, data });
  }

  decodeResponse(input: Buffer | DlmsApdu): DlmsResponseView<S> {
    const apdu = asApdu(input);
    if (apdu.apdu !== 'access-response') throw new PayloadError('BAD_TAG', 'APDU', `a ${this.useCase} response is an ACCESS response, not ${apdu.apdu}`, 0);
    this.checkCount(apdu.specs.length, 'access response specifications');
    const results: Record<string, AccessOutcome<unknown>> = {};
    this.names.forEach((name, i) => {
      const definition = this.steps[name]!;
      const spec = apdu.specs[i]!;
      const field = `access response data[${i}] (${name})`;
      if (spec.kind !== responseKind(definition.kind)) {
        throw new PayloadError('BAD_VALUE', `access response specification[${i}] (${name})`, `expected a ${responseKind(definition.kind)} result, found ${spec.kind}`);
      }
      const node = apdu.data[i]!;
      results[name] = node.type === 'null-data' ? { result: spec.result } : { result: spec.result, value: definition.response.decode(node, field) };
    });
    return { invokeId: apdu.invokeId, ...(apdu.dateTime ? { dateTime: apdu.dateTime } : {}), results: results as DlmsResponseView<S>['results'] };
  }

  encodeResponse(view: DlmsResponseView<S>): Buffer {
    const data = this.names.map((name): DlmsData => {
      const outcome = view.results[name];
      if (!outcome) throw new PayloadError('BAD_VALUE', name, `the ${this.useCase} response needs an outcome for ${name}`);
      return outcome.value === undefined ? { type: 'null-data' } : this.steps[name]!.response.encode(outcome.value, name);
    });
    const specs = this.names.map((name) => ({ kind: responseKind(this.steps[name]!.kind), result: view.results[name]!.result }));
    return encodeDlms({ apdu: 'access-response', invokeId: view.invokeId, ...(view.dateTime ? { dateTime: view.dateTime } : {}), data, specs });
  }

  private checkCount(found: number, what: string): void {
    if (found !== this.names.length) {
      throw new PayloadError('BAD_VALUE', what, `${this.useCase} has ${this.names.length} (${this.names.join(', ')}), found ${found}`);
    }
  }
}

function responseKind(kind: AccessRequestSpec['kind']): AccessKind {
  return kind === 'get-with-selection' ? 'get' : kind;
}

function expectNull(node: DlmsData, field: string): void {
  if (node.type !== 'null-data') throw new PayloadError('BAD_VALUE', field, `expected null-data, found ${node.type}`, node.at);
}

/** A GBCS DLMS alert: DATA-NOTIFICATION whose body is { alert code, timestamp, use-case body }. */
export interface DlmsAlertView<T> {
  invokeId: number;
  dateTime?: Buffer;
  alertCode: number;
  timestamp: DlmsDateTime;
  body: T;
}

export class AlertUseCase<T> {
  constructor(
    readonly useCase: string,
    readonly alertCodes: readonly number[],
    readonly body: Shape<T>,
  ) {}

  decode(input: Buffer | DlmsApdu): DlmsAlertView<T> {
    const apdu = asApdu(input);
    if (apdu.apdu !== 'data-notification') throw new PayloadError('BAD_TAG', 'APDU', `a ${this.useCase} alert is a DATA-NOTIFICATION, not ${apdu.apdu}`, 0);
    const top = apdu.body;
    if (top.type !== 'structure' || top.items.length !== 3) {
      throw new PayloadError('BAD_VALUE', 'notification body', 'expected a structure of alert code, timestamp and body', top.at);
    }
    const [code, stamp, body] = top.items as [DlmsData, DlmsData, DlmsData];
    if (code.type !== 'long-unsigned') throw new PayloadError('BAD_VALUE', 'alert code', `expected long-unsigned, found ${code.type}`, code.at);
    if (!this.alertCodes.includes(code.value)) {
      throw new PayloadError('BAD_VALUE', 'alert code', `0x${code.value.toString(16)} is not a ${this.useCase} alert`, code.at);
    }
    if (stamp.type !== 'octet-string' || stamp.value.length !== 12) throw new PayloadError('BAD_VALUE', 'alert timestamp', 'expected a 12-octet date-time', stamp.at);
    return {
      invokeId: apdu.invokeId,
      ...(apdu.dateTime ? { dateTime: apdu.dateTime } : {}),
      alertCode: code.value,
      timestamp: decodeDateTime(stamp.value),
      body: this.body.decode(body, 'alert body'),
    };
  }

  encode(view: DlmsAlertView<T>): Buffer {
    const body: DlmsData = {
      type: 'structure',
      items: [
        { type: 'long-unsigned', value: view.alertCode },
        { type: 'octet-string', value: encodeDateTime(view.timestamp) },
        this.body.encode(view.body, 'alert body'),
      ],
    };
    return encodeDlms({ apdu: 'data-notification', invokeId: view.invokeId, ...(view.dateTime ? { dateTime: view.dateTime } : {}), body });
  }
}
