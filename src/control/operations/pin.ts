import type { JSONSchemaType } from 'ajv';
import { PIN_ATTEMPT_POLICY } from '../../security/pin-attempts.js';
import type { PinKind } from '../../security/pin-rules.js';
import { PinStoreError, type PinStatus } from '../../security/pin-store.js';
import type { Operation } from '../operation.js';

/**
 * The hub's two PINs: status, set (while none of that kind is set), change (with the current one),
 * verify. A PIN travels only in the request body, never in a log line; wrong ones count towards the
 * lockout whichever way they came.
 */
const KINDS: PinKind[] = ['engineering', 'privacy'];
const kind = { type: 'string', enum: KINDS } as const;
const pin = { type: 'string', maxLength: 64 } as const;

export const pinStatus: Operation<Record<string, never>, PinStatus[]> = {
  name: 'pin.status',
  wan: true,
  args: { type: 'object', additionalProperties: false },
  sealed: true,
  async run(context) {
    const pins = await context.pins();
    const statuses = [];
    for (const which of KINDS) statuses.push(await pins.status(which));
    return statuses;
  },
};

export const pinSet: Operation<{ kind: PinKind; pin: string }, { set: PinKind }> = {
  name: 'pin.set',
  args: { type: 'object', properties: { kind, pin }, required: ['kind', 'pin'], additionalProperties: false } satisfies JSONSchemaType<{ kind: PinKind; pin: string }>,
  sealed: true,
  // The engineering PIN is set at installation, possibly before the hub ever ran.
  creates: (args) => args.kind === 'engineering',
  async run(context, args, caller) {
    await (await context.pins()).set(args.kind, args.pin, { by: 'installation' }, caller.channel);
    return { set: args.kind };
  },
};

export const pinChange: Operation<{ kind: PinKind; current: string; pin: string }, { changed: PinKind }> = {
  name: 'pin.change',
  args: { type: 'object', properties: { kind, current: pin, pin }, required: ['kind', 'current', 'pin'], additionalProperties: false } satisfies JSONSchemaType<{ kind: PinKind; current: string; pin: string }>,
  sealed: true,
  async run(context, args, caller) {
    await (await context.pins()).set(args.kind, args.pin, { by: 'currentPin', pin: args.current }, caller.channel);
    return { changed: args.kind };
  },
};

const seconds = (ms: number) => `${Math.ceil(ms / 1000)} s`;

export const pinVerify: Operation<{ kind: PinKind; pin: string }, { accepted: true }> = {
  name: 'pin.verify',
  args: { type: 'object', properties: { kind, pin }, required: ['kind', 'pin'], additionalProperties: false } satisfies JSONSchemaType<{ kind: PinKind; pin: string }>,
  sealed: true,
  async run(context, args, caller) {
    const verdict = await (await context.pins()).verify(args.kind, args.pin, caller.channel);
    if (verdict.ok) return { accepted: true };
    const where = `${args.kind} PIN`;
    if (verdict.why === 'notSet') throw new PinStoreError('PIN_NOT_SET', `no ${args.kind} PIN is set`, { where });
    if (verdict.retryAfterMs > 0) {
      const why = verdict.why === 'locked' ? 'PIN entry is locked' : `wrong PIN; after ${PIN_ATTEMPT_POLICY.freeFailures} wrong PINs entry locks`;
      throw new PinStoreError('PIN_LOCKED', `${why}: try again in ${seconds(verdict.retryAfterMs)}`, { where, retryAfterMs: verdict.retryAfterMs });
    }
    throw new PinStoreError('PIN_WRONG', 'wrong PIN', { where });
  },
};
