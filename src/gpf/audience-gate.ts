import type { PersonalClass } from '../privacy/index.js';
import { GpfError } from './errors.js';

/**
 * The one gate every view of the GPF's data passes, so no view can forget a rule.
 *
 * Who can reach a view: a remote party over the WAN (GBCS reads answered by src/gpf/use-cases; a
 * supplier or network operator is the `supplier` audience, any other party, an Other User acting
 * for the householder, is the `householder` audience: see `audienceOf`); a person at the hub through
 * HouseholderView (householder-view.ts), which puts the privacy PIN in front of this gate. Nothing
 * else answers the GPF's data: a Type 2 Device only receives over the HAN (whatever it sends is
 * refused), and no `hub` CLI command prints the data (`hub gpf status` shows the two settings).
 * Anything that adds such a path asks for the householder audience here too.
 *
 * For the householder the gate applies, in order:
 * - the checks added with `addCheck` (a privacy PIN, say): any may refuse the view by throwing;
 * - the Restrict Data flag: while it is set, no consumption, tariff or prepayment value is shown;
 * - the change-of-tenancy date (GCS09): nothing that happened before it is shown.
 * A supplier's view is never narrowed. Both settings are read from the store on every view, so a
 * view cannot be handed a stale or forged value.
 */
export type Audience = 'supplier' | 'householder';

/** The classes of personal data a GPF view can hold; Restrict Data withholds all of them. */
export type ViewClass = Extract<PersonalClass, 'consumption' | 'tariff' | 'prepayment'>;

export const RESTRICTED_CLASSES: ReadonlySet<PersonalClass> = new Set<ViewClass>(['consumption', 'tariff', 'prepayment']);

/**
 * Every view GasProxyData offers, by method name, with the classes of data it shows. A method that
 * shows data and is not named here fails the view-guard test.
 */
export const GPF_VIEWS = {
  readRegisters: ['consumption', 'tariff', 'prepayment'],
  prepaymentRegisters: ['prepayment'],
  meterBalance: ['prepayment'],
  dailyReadLog: ['consumption', 'tariff'],
  prepaymentDailyReadLog: ['prepayment'],
  dailyConsumptionLog: ['consumption'],
  billingDataLog: ['consumption', 'tariff'],
  profileData: ['consumption'],
} as const satisfies Record<string, readonly ViewClass[]>;

export type GpfViewName = keyof typeof GPF_VIEWS;

export interface ViewRequest {
  audience: Audience;
  view: GpfViewName;
}

/** Run before a householder's view; refuse it by throwing a HubError (the read then fails, showing nothing). */
export type HouseholderCheck = (request: ViewRequest) => Promise<void>;

/** What the gate reads: the two householder settings, as stored now. */
export interface GateSettings {
  changeOfTenancy(): Promise<number | undefined>;
  restrictData(): Promise<boolean>;
}

export class AudienceGate {
  private readonly checks: HouseholderCheck[] = [];

  constructor(private readonly settings: GateSettings) {}

  /** Add a check every householder view must pass; returns a function that removes it. */
  addCheck(check: HouseholderCheck): () => void {
    this.checks.push(check);
    return () => {
      const at = this.checks.indexOf(check);
      if (at >= 0) this.checks.splice(at, 1);
    };
  }

  /**
   * Where `request`'s view starts (UTC ms; -Infinity for all of it), or undefined when it may show
   * nothing at all.
   */
  async admit(request: ViewRequest): Promise<number | undefined> {
    const { audience, view } = request;
    if (audience === 'supplier') return -Infinity;
    if (audience !== 'householder') throw new GpfError('GPF_BAD_RANGE', `"${String(audience)}" is not an audience (supplier, householder)`, { where: 'audience' });
    const classes: readonly PersonalClass[] | undefined = GPF_VIEWS[view];
    if (!classes) throw new GpfError('GPF_BAD_RANGE', `"${String(view)}" is not a GPF view`, { where: 'view' });
    for (const check of [...this.checks]) await check(request);
    if (classes.some((c) => RESTRICTED_CLASSES.has(c)) && (await this.settings.restrictData())) return undefined;
    return (await this.settings.changeOfTenancy()) ?? -Infinity;
  }
}
