import { HubError } from '../../hal/errors.js';

/** Every way the WAN link reports a fault; `where` names the broker URL, the config key or the file. */
export type WanErrorCode =
  /** The broker's certificate is not signed by the CA the config names (or names another host). */
  | 'WAN_TLS_BROKER_CERT'
  /** The broker refused the hub's client certificate (unknown CA, none sent, expired). */
  | 'WAN_TLS_CLIENT_CERT'
  /** Another TLS failure (protocol, cipher). */
  | 'WAN_TLS'
  /** The broker refused the login (bad user name or password, not authorised). */
  | 'WAN_LOGIN_REFUSED'
  /** The broker refused the connection for another reason it gave (a CONNACK code). */
  | 'WAN_CONNECT_REFUSED'
  /** Nothing answered at the broker's address (refused, unresolvable, timed out). */
  | 'WAN_UNREACHABLE'
  /** The connection dropped after it was up. */
  | 'WAN_DISCONNECTED'
  /** The broker refused an upstream message (an MQTT 5 PUBACK reason code): it stays in the outbox. */
  | 'WAN_PUBLISH_REFUSED'
  /** A CA, certificate or key file the config names cannot be read. */
  | 'WAN_TLS_FILE'
  /** The broker URL is not mqtt://, mqtts://, ws:// or wss://. */
  | 'WAN_BAD_URL'
  /** The outbox is at its quota: the message was refused, nothing queued was dropped. */
  | 'WAN_OUTBOX_FULL'
  /** A message to send is not valid (empty bytes, an unknown kind, a bad topic). */
  | 'WAN_BAD_MESSAGE'
  /** The link is stopped. */
  | 'WAN_STOPPED'
  /** The store refuses writes (a full disk): the command is left with the broker, unacknowledged. */
  | 'WAN_STORE_REFUSED'
  /** The embedded broker's logins file beside the store cannot be read. */
  | 'WAN_EMBEDDED_LOGINS';

export class WanError extends HubError {
  declare readonly code: WanErrorCode;

  constructor(code: WanErrorCode, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
