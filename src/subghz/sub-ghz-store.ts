import { isEui64 } from '../../hal/eui64.js';
import { jsonCodec, type Domain, type Store } from '../store/index.js';
import { checkConfiguration, type SubGhzConfiguration } from './configuration.js';
import type { Pause } from './duty-cycle.js';

/** The Sub GHz state's durable domains (the Channel Log has its own, in channel-log.ts). */
function isConfiguration(value: unknown): value is SubGhzConfiguration {
  try {
    checkConfiguration(value);
    return true;
  } catch {
    return false;
  }
}

export interface StoredScan {
  at: number;
}

export interface StoredMember {
  eui64: string;
  joinedAt: number;
}

const isScan = (value: unknown): value is StoredScan => Number.isSafeInteger((value as StoredScan | null)?.at);

const isMember = (value: unknown): value is StoredMember => {
  const v = value as StoredMember | null;
  return typeof v?.eui64 === 'string' && isEui64(v.eui64) && Number.isSafeInteger(v.joinedAt);
};

const isPause = (value: unknown): value is Pause => {
  const v = value as Pause | null;
  return (
    typeof v?.eui64 === 'string' && isEui64(v.eui64) && Number.isSafeInteger(v.since) && Number.isSafeInteger(v.until) &&
    (v.cause === 'deviceLimit' || v.cause === 'limited' || v.cause === 'critical')
  );
};

export const CONFIGURATION_DOMAIN = { name: 'subGhzConfiguration', codec: jsonCodec(isConfiguration) } as const;
export const SCAN_DOMAIN = { name: 'subGhzScan', codec: jsonCodec(isScan) } as const;
/** The Devices that joined at Sub GHz: what DBCH11's capacity counts. */
export const MEMBERS_DOMAIN = { name: 'subGhzDevices', codec: jsonCodec(isMember) } as const;
/** Pauses outlive a restart: a Device told to be quiet stays discarded-for until its pause ends. */
export const PAUSES_DOMAIN = { name: 'subGhzPauses', codec: jsonCodec(isPause) } as const;

export const CONFIGURATION_KEY = 'current';
export const SCAN_KEY = 'last';

export interface SubGhzDomains {
  configuration: Domain<SubGhzConfiguration>;
  scan: Domain<StoredScan>;
  members: Domain<StoredMember>;
  pauses: Domain<Pause>;
}

export async function openDomains(store: Store): Promise<SubGhzDomains> {
  return {
    configuration: await store.domain(CONFIGURATION_DOMAIN),
    scan: await store.domain(SCAN_DOMAIN),
    members: await store.domain(MEMBERS_DOMAIN),
    pauses: await store.domain(PAUSES_DOMAIN),
  };
}
