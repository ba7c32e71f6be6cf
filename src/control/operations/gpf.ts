import type { JSONSchemaType } from 'ajv';
import { HUB_EVENTS } from '../../logs/index.js';
import { PIN_ATTEMPT_POLICY } from '../../security/pin-attempts.js';
import type { Operation } from '../operation.js';
import { ControlError } from '../protocol.js';

/**
 * The GPF's Restrict Data flag and change-of-tenancy date. Changing the flag needs the engineering
 * PIN; every change or refusal goes to the Security Log.
 */
export const gpfStatus: Operation<Record<string, never>, { restrictData: boolean; changeOfTenancy: string | null }> = {
  name: 'gpf.status',
  wan: true,
  args: { type: 'object', additionalProperties: false },
  sealed: true,
  async run(context) {
    const data = await context.gasProxyData();
    const tenancy = await data.changeOfTenancy();
    return { restrictData: await data.restrictData(), changeOfTenancy: tenancy === undefined ? null : new Date(tenancy).toISOString() };
  },
};

export interface RestrictArgs {
  restricted: boolean;
  pin: string;
}

export const gpfRestrict: Operation<RestrictArgs, { restrictData: boolean; changed: boolean }> = {
  name: 'gpf.restrict',
  args: { type: 'object', properties: { restricted: { type: 'boolean' }, pin: { type: 'string', maxLength: 64 } }, required: ['restricted', 'pin'], additionalProperties: false } satisfies JSONSchemaType<RestrictArgs>,
  sealed: true,
  async run(context, { restricted, pin }, caller) {
    const securityLog = (await context.logs()).securityLog;
    const verdict = await (await context.pins()).verify('engineering', pin, caller.channel);
    if (!verdict.ok) {
      // A wrong PIN and a lockout are already in the Security Log, recorded by the PIN store.
      if (verdict.why === 'notSet') await securityLog.record(HUB_EVENTS.sourceLacksAuthority.code, { action: 'restrictData', channel: caller.channel, why: 'no engineering PIN is set' });
      const why = verdict.why === 'notSet' ? 'no engineering PIN is set (hub pin set)' : verdict.retryAfterMs > 0 ? `PIN entry is locked after ${PIN_ATTEMPT_POLICY.freeFailures} wrong PINs: try again in ${Math.ceil(verdict.retryAfterMs / 1000)} s` : 'wrong PIN';
      throw new ControlError('NO_AUTHORITY', `Restrict Data unchanged: ${why}`, { where: 'engineering PIN' });
    }
    const data = await context.gasProxyData();
    if ((await data.restrictData()) === restricted) return { restrictData: restricted, changed: false };
    await data.setRestrictData(restricted);
    await securityLog.record(HUB_EVENTS.restrictDataChanged.code, { restricted, channel: caller.channel });
    return { restrictData: restricted, changed: true };
  },
};
