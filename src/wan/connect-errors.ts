import { WanError } from './errors.js';

/**
 * Turns what Node's TLS stack and mqtt.js report while connecting into one WanError that says
 * which side is wrong: the broker's certificate (our CA does not trust it), the hub's client
 * certificate (the broker's CA does not trust it), the login, or the address. The tables below are
 * the codes each case is known by.
 */

/** Our side refused the broker's certificate. */
const BROKER_CERT_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** TLS alerts the broker sends when it refuses the client certificate (OpenSSL's names, as Node's codes end). */
const CLIENT_CERT_ALERTS = [
  'ALERT_UNKNOWN_CA',
  'ALERT_BAD_CERTIFICATE',
  'ALERT_CERTIFICATE_REQUIRED',
  'ALERT_CERTIFICATE_UNKNOWN',
  'ALERT_CERTIFICATE_EXPIRED',
  'ALERT_CERTIFICATE_REVOKED',
  'ALERT_UNSUPPORTED_CERTIFICATE',
  'ALERT_DECRYPT_ERROR',
];

/** Local key/certificate problems Node reports before any byte is sent. */
const LOCAL_KEY_CODES = new Set(['ERR_OSSL_X509_KEY_VALUES_MISMATCH', 'ERR_OSSL_PEM_NO_START_LINE', 'ERR_OSSL_UNSUPPORTED']);

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);

/** CONNACK codes: MQTT 3.1.1 return codes and MQTT 5 reason codes that mean the login was refused. */
const LOGIN_REFUSED = new Map<number, string>([
  [4, 'bad user name or password'],
  [5, 'not authorised'],
  [0x86, 'bad user name or password'],
  [0x87, 'not authorised'],
  [0x8c, 'bad authentication method'],
]);

/** CONNACK codes that mean "this broker does not speak MQTT 5": retry with 3.1.1. */
export const PROTOCOL_NOT_SUPPORTED = new Set([1, 0x84]);

export function connackCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Anything thrown, as text: some values (an object whose toString is not a function) refuse String(). */
function textOf(error: unknown): string {
  if (error instanceof Error) return String(error.message);
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

function firstLine(error: unknown): string {
  const text = textOf(error);
  // OpenSSL messages carry file names and line numbers after the reason: keep the reason.
  const alert = /:(tlsv1[0-9]* alert [a-z ]+):/.exec(text);
  return alert?.[1] ?? text.split('\n')[0]!;
}

export function classifyConnectError(error: unknown, broker: string): WanError {
  if (error instanceof WanError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const reason = firstLine(error);
  const make = (wanCode: ConstructorParameters<typeof WanError>[0], message: string) => new WanError(wanCode, message, { where: broker, cause: error });
  if (typeof code === 'number') {
    const login = LOGIN_REFUSED.get(code);
    if (login) return make('WAN_LOGIN_REFUSED', `the broker refused the login (${login}): check wan.username and wan.password`);
    return make('WAN_CONNECT_REFUSED', `the broker refused the connection (CONNACK code ${code}: ${reason})`);
  }
  if (typeof code === 'string') {
    if (BROKER_CERT_CODES.has(code)) {
      return make('WAN_TLS_BROKER_CERT', `the broker's certificate is not trusted (${reason}): check that wan.ca is the CA that issued it and that the URL names a host it is issued for`);
    }
    if (CLIENT_CERT_ALERTS.some((alert) => code.endsWith(alert))) {
      return make('WAN_TLS_CLIENT_CERT', `the broker refused the hub's client certificate (${reason}): check that wan.cert and wan.key are issued by a CA the broker trusts`);
    }
    if (LOCAL_KEY_CODES.has(code) || /key values mismatch/i.test(reason)) {
      return make('WAN_TLS_CLIENT_CERT', `the hub's client certificate and key cannot be used (${reason}): check that wan.key is the key of wan.cert`);
    }
    if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.startsWith('ERR_OSSL_')) return make('WAN_TLS', `TLS failed (${reason})`);
    // A plain MQTT port answers a TLS hello by hanging up (or with bytes that are no TLS record).
    if (/^(mqtts|wss):/i.test(broker) && (code === 'ECONNRESET' || code === 'EPIPE' || /before secure TLS connection/.test(reason))) {
      return make('WAN_TLS', `the broker hung up during the TLS handshake (${code}): is this port a plain one? mqtts:// needs the broker's TLS port (usually 8883); a plain port wants mqtt://`);
    }
    if (UNREACHABLE_CODES.has(code)) return make('WAN_UNREACHABLE', `cannot reach the broker (${code}: ${reason})`);
  }
  return make('WAN_UNREACHABLE', `cannot connect to the broker (${reason})`);
}
