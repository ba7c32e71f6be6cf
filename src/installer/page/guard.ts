import { isLoopbackAddress } from '../../config.js';

/**
 * Who may talk to the installer page at all, decided before any route runs: a request from another
 * machine (unless the page was configured for a network interface), one naming another host (DNS
 * rebinding), or one a foreign page sent (its Origin, or the browser's Sec-Fetch-Site) is refused.
 * The headers every answer carries keep it out of caches and frames and off other origins.
 */
export interface GuardSettings {
  host: string;
  port: number;
  allowNetwork: boolean;
  https: boolean;
}

export interface RequestFacts {
  remoteAddress: string | undefined;
  host: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
  method: string;
}

export type GuardVerdict = { ok: true } | { ok: false; status: 403 | 421; why: 'nonLocalInterface' | 'foreignHost' | 'foreignOrigin' };

/** The Host values this page answers to: its own address, and `localhost` for a loopback one. */
export function ownHosts(settings: GuardSettings): string[] {
  const bracketed = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const hosts = [`${bracketed}:${settings.port}`];
  if (isLoopbackAddress(settings.host)) hosts.push(`localhost:${settings.port}`);
  return hosts;
}

export function ownOrigins(settings: GuardSettings): string[] {
  return ownHosts(settings).map((host) => `${settings.https ? 'https' : 'http'}://${host}`);
}

export function guard(settings: GuardSettings, facts: RequestFacts): GuardVerdict {
  if (!settings.allowNetwork && !isLoopbackAddress(facts.remoteAddress ?? '')) return { ok: false, status: 403, why: 'nonLocalInterface' };
  if (facts.host === undefined || !ownHosts(settings).includes(facts.host.toLowerCase())) return { ok: false, status: 421, why: 'foreignHost' };
  if (facts.origin !== undefined && !ownOrigins(settings).includes(facts.origin.toLowerCase())) return { ok: false, status: 403, why: 'foreignOrigin' };
  if (facts.secFetchSite === 'cross-site' || facts.secFetchSite === 'same-site') return { ok: false, status: 403, why: 'foreignOrigin' };
  // A change must say where it came from: browsers send Origin with every POST made by script.
  if (facts.method !== 'GET' && facts.method !== 'HEAD' && facts.origin === undefined) return { ok: false, status: 403, why: 'foreignOrigin' };
  return { ok: true };
}

/** On every answer. The page loads nothing from elsewhere, so nothing elsewhere is allowed. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; media-src 'self' blob: mediastream:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(self), microphone=(), geolocation=()',
};
