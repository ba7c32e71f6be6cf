import { sign, verify, type KeyObject } from 'node:crypto';
import { ControlError, parseRequest, type ControlRequest } from './protocol.js';

/**
 * A control request over MQTT, signed by the lab head end: the envelope
 * `{"request":"<the request line>","signature":"<base64 DER ECDSA P-256 / SHA-256 over its UTF-8>"}`.
 * The request carries `at` (UTC ms); one outside FRESH_MS of the hub's clock, or whose id was seen
 * within that window, is refused, so a copied request cannot be played again.
 */
export const FRESH_MS = 5 * 60 * 1000;

export interface SignedRequest extends ControlRequest {
  at: number;
}

export function signRequest(request: SignedRequest, key: KeyObject): Buffer {
  const line = JSON.stringify(request);
  return Buffer.from(JSON.stringify({ request: line, signature: sign('sha256', Buffer.from(line), key).toString('base64') }));
}

/** Request ids seen in the last FRESH_MS, forgotten after. */
export class SeenRequests {
  private readonly seen = new Map<string, number>();

  /** True the first time within the window. */
  first(id: string | number, now: number): boolean {
    for (const [key, at] of this.seen) if (at < now - 2 * FRESH_MS) this.seen.delete(key);
    const key = `${typeof id}:${id}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, now);
    return true;
  }
}

export function openSignedRequest(payload: Buffer, key: KeyObject, now: number, seen: SeenRequests): ControlRequest {
  let envelope: unknown;
  try {
    envelope = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new ControlError('BAD_REQUEST', 'the envelope is not JSON', { where: 'control request' });
  }
  const { request, signature } = (typeof envelope === 'object' && envelope !== null ? envelope : {}) as { request?: unknown; signature?: unknown };
  if (typeof request !== 'string' || typeof signature !== 'string') throw new ControlError('BAD_REQUEST', 'the envelope needs "request" and "signature" strings', { where: 'control request' });
  let good = false;
  try {
    good = verify('sha256', Buffer.from(request), key, Buffer.from(signature, 'base64'));
  } catch {
    good = false;
  }
  if (!good) throw new ControlError('CONTROL_UNAUTHENTICATED', "the signature is not the head end's", { where: 'control request signature' });
  const parsed = parseRequest(request);
  const at = (JSON.parse(request) as { at?: unknown }).at;
  if (typeof at !== 'number' || !Number.isFinite(at)) throw new ControlError('BAD_REQUEST', 'a signed request carries "at", UTC milliseconds', { where: 'request.at' });
  if (Math.abs(now - at) > FRESH_MS) throw new ControlError('CONTROL_STALE', `signed ${Math.round((now - at) / 1000)} s from the hub's time; at most ${FRESH_MS / 1000} s either way`, { where: 'request.at' });
  if (!seen.first(parsed.id, now)) throw new ControlError('CONTROL_REPLAYED', 'a request with this id was already carried out', { where: 'request.id' });
  return parsed;
}
