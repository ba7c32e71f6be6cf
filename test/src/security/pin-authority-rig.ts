import { ManualClock } from '../../../hal/clock.js';
import { HUB_EVENTS, openHubLogs } from '../../../src/logs/index.js';
import { FileSecureElement } from '../../../src/security/file-secure-element.js';
import { PIN_DOMAIN } from '../../../src/security/pin-store.js';
import { bytesCodec, openStore, type Store } from '../../../src/store/index.js';
import { runHub, type PinCommandGroup } from '../cli/pin-cli.js';
import { tempDir } from '../store/helpers.js';

/**
 * What the PIN authority test compares before and after each attempt: the stored PIN records as
 * they are on disk (decrypted), less the wrong-attempt counters a wrong PIN is meant to move, and
 * the Security Log's entries by name.
 */
export interface PinState {
  /** Per kind: the stored hash, salt, parameters and who set it when, exactly as stored; '' when there is no PIN. */
  records: Record<string, string>;
  /** The Security Log, oldest first: [sequence, event name]. */
  security: Array<[number, string]>;
}

const NAMES = new Map<number, string>(Object.entries(HUB_EVENTS).map(([name, event]) => [event.code, name]));

/** The part of a stored record only an authorised change may alter. */
function guarded(raw: Buffer | undefined): string {
  if (!raw) return '';
  const { hash, setAt, setBy } = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  // A removed PIN leaves its counters behind: no hash is no PIN.
  return hash === undefined ? '' : JSON.stringify({ hash, setAt, setBy });
}

export async function pinState(store: Store, securityNewest: () => Promise<Array<{ sequence: number; code: number }>>): Promise<PinState> {
  const domain = await store.domain({ name: PIN_DOMAIN, codec: bytesCodec, personal: true });
  const records: Record<string, string> = {};
  for (const kind of ['engineering', 'privacy']) records[kind] = guarded(await domain.get(kind));
  const security = (await securityNewest()).reverse().map((entry): [number, string] => [entry.sequence, NAMES.get(entry.code) ?? String(entry.code)]);
  return { records, security };
}

/** A hub store as `hub pin` finds it (keys.json beside it), with both PINs set through the CLI. */
export class CliPins {
  readonly clock = new ManualClock(Date.UTC(2026, 4, 1));

  private constructor(readonly dir: string) {}

  static async open(engineering: string, privacy: string): Promise<CliPins> {
    const pins = new CliPins(await tempDir('hub-pin-authority-'));
    await pins.run(['set'], [engineering, engineering]);
    await pins.run(['set', '--kind', 'privacy'], [privacy, privacy]);
    return pins;
  }

  run(args: string[], lines: string[], group: PinCommandGroup = 'pin') {
    return runHub(group, [...args, '--store', this.dir], lines, this.clock);
  }

  /** Clear the wrong-attempt counters with the right PINs, so the next attempt starts unlocked. */
  async reset(engineering: string, privacy: string): Promise<void> {
    await this.run(['verify'], [engineering]);
    await this.run(['verify', '--kind', 'privacy'], [privacy]);
  }

  async state(): Promise<PinState> {
    const store = await openStore({ path: this.dir, secureElement: await FileSecureElement.open({ stateDir: this.dir }) });
    try {
      const logs = await openHubLogs(store, this.clock);
      return await pinState(store, () => logs.securityLog.newest());
    } finally {
      await store.close();
    }
  }
}

/** The Security Log entries `after` has beyond `before`. */
export function newEntries(before: PinState, after: PinState): string[] {
  const last = before.security.at(-1)?.[0] ?? -1;
  return after.security.filter(([sequence]) => sequence > last).map(([, name]) => name);
}
