import { HubError } from '../../hal/errors.js';
import type { PinStore } from '../security/pin-store.js';
import { GPF_VIEWS, type Audience, type GpfViewName } from './audience-gate.js';
import { GpfError } from './errors.js';
import type { GasProxyData } from './gas-proxy-data.js';

/**
 * The householder's local views of the gas data: what a person at the hub (a local display, the
 * local interface) may see, as opposed to a remote party's GBCS read. Each view is the GPF's
 * householder view (so the audience gate's tenancy date and Restrict Data apply), behind the
 * privacy PIN when one is set: the PIN is checked on every view with the PIN store's attempt rules
 * (wrong PINs count towards a lockout and go to the Security Log). With no privacy PIN set, the
 * views are open, as SEC service 3.5 leaves protection to the householder's choice.
 *
 * Remote reads are not gated here: a supplier's or network operator's view is never narrowed, and
 * an Other User reads for the householder over the WAN, authenticated by its certificate and the
 * DCC, where no PIN can be typed. Nothing in the hub serves a local view yet (it has no display
 * and does not answer HAN reads of the GPF's data); whatever adds one reads through this class.
 */
export type PrivacyPinCheck = Pick<PinStore, 'status' | 'verify'>;

export type PrivacyPinErrorCode = 'PRIVACY_PIN_REQUIRED' | 'PRIVACY_PIN_WRONG' | 'PRIVACY_PIN_LOCKED';

export class PrivacyPinError extends HubError {
  declare readonly code: PrivacyPinErrorCode;
  /** For PRIVACY_PIN_LOCKED: milliseconds until entry opens again. */
  readonly retryAfterMs: number;

  constructor(code: PrivacyPinErrorCode, message: string, retryAfterMs = 0) {
    super(code, message, { where: 'privacy PIN' });
    this.retryAfterMs = retryAfterMs;
  }
}

/** A view's arguments after its audience. */
// Distributed over each view name, so a view chosen at run time takes the arguments of any of them.
export type ViewArgs<K extends GpfViewName> = K extends GpfViewName ? (GasProxyData[K] extends (audience: Audience, ...rest: infer R) => unknown ? R : never) : never;
export type ViewResult<K extends GpfViewName> = Awaited<ReturnType<GasProxyData[K]>>;

export class HouseholderView {
  constructor(
    private readonly data: GasProxyData,
    private readonly pins: PrivacyPinCheck,
    /** Where the PIN was typed, for the Security Log. */
    private readonly channel = 'local',
  ) {}

  /** Whether a view needs the privacy PIN now. */
  async pinRequired(): Promise<boolean> {
    return (await this.pins.status('privacy')).set;
  }

  /** The householder's `view`, once `pin` proves the privacy PIN (or none is set). */
  async read<K extends GpfViewName>(view: K, pin: string | undefined, ...args: ViewArgs<K>): Promise<ViewResult<K>> {
    if (!Object.hasOwn(GPF_VIEWS, view)) throw new GpfError('GPF_BAD_RANGE', `"${String(view)}" is not a GPF view`, { where: 'view' });
    await this.unlock(pin);
    const read = this.data[view] as (audience: Audience, ...rest: unknown[]) => Promise<ViewResult<K>>;
    return read.call(this.data, 'householder', ...args);
  }

  private async unlock(pin: string | undefined): Promise<void> {
    if (pin === undefined) {
      if (await this.pinRequired()) throw new PrivacyPinError('PRIVACY_PIN_REQUIRED', 'the privacy PIN is set: enter it to see this');
      return;
    }
    const verdict = await this.pins.verify('privacy', pin, this.channel);
    // notSet: none is set (or the supplier just removed it), so the view is open.
    if (verdict.ok || verdict.why === 'notSet') return;
    if (verdict.why === 'locked' || verdict.retryAfterMs > 0) {
      throw new PrivacyPinError('PRIVACY_PIN_LOCKED', `too many wrong privacy PINs: try again in ${Math.ceil(verdict.retryAfterMs / 1000)} s`, verdict.retryAfterMs);
    }
    throw new PrivacyPinError('PRIVACY_PIN_WRONG', 'wrong privacy PIN');
  }
}
