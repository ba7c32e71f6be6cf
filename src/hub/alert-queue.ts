import { EventEmitter } from 'node:events';
import { HubError } from '../../hal/errors.js';
import type { Eui64 } from '../../hal/radio.js';
import type { GbcsAuthenticator } from '../gbcs/index.js';
import type { SecurityCredentials } from '../security/credentials.js';
import type { OriginatorCounters } from '../security/replay.js';
import type { AlertRequest, AlertSink } from '../use-case/index.js';

/** An alert ready for the WAN: its Message Code, the counter it carries, and the sealed bytes. */
export interface SealedAlert {
  messageCode: number;
  counter: bigint;
  bytes: Buffer;
  /** The HAN Devices it is about, as raised. */
  concerns?: readonly Eui64[];
}

export interface AlertQueueEvents {
  /** An alert is sealed and on its way to the WAN (loose at once, or after the response of the command that caused it). */
  sealed: [alert: SealedAlert];
}

export interface AlertQueueOptions {
  authenticator: GbcsAuthenticator;
  counters: OriginatorCounters;
  credentials: SecurityCredentials;
  /** An alert raised while no command is being handled. */
  onLoose(alert: SealedAlert): void;
  onError(error: unknown): void;
}

/** Why an alert could not be sealed. */
export class AlertError extends HubError {}

/**
 * Seals alerts in the order they were raised, each with the next value of the hub's own counter.
 * While a command is being handled the alerts it causes are held, so they follow its response.
 */
export class AlertQueue extends EventEmitter<AlertQueueEvents> implements AlertSink {
  private held: Array<Promise<SealedAlert>> | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: AlertQueueOptions) {
    super();
  }

  raise(alert: AlertRequest): void {
    const sealed = this.tail.then(() => this.seal(alert));
    this.tail = sealed.catch(() => undefined);
    if (this.held) {
      this.held.push(sealed);
      return;
    }
    sealed.then(
      (done) => {
        this.options.onLoose(done);
        this.emit('sealed', done);
      },
      (error: unknown) => this.options.onError(error),
    );
  }

  /** Resolves once every alert raised so far is sealed (and, when loose, handed on). */
  async idle(): Promise<void> {
    await this.tail;
  }

  /** Start holding alerts (a command is being handled). */
  hold(): void {
    this.held = [];
  }

  /** Stop holding; the alerts raised meanwhile, sealed, in order. One that cannot be sealed is reported and left out. */
  async release(): Promise<SealedAlert[]> {
    const pending = this.held ?? [];
    this.held = undefined;
    const out: SealedAlert[] = [];
    for (const result of await Promise.allSettled(pending)) {
      if (result.status === 'fulfilled') out.push(result.value);
      else this.options.onError(result.reason);
    }
    for (const alert of out) this.emit('sealed', alert);
    return out;
  }

  /** The Access Control Broker, which GBCS alerts are addressed to unless said otherwise. */
  defaultRecipient(): Eui64 | undefined {
    return this.options.credentials.forRole('accessControlBroker', 'keyAgreement')[0]?.eui;
  }

  private async seal(alert: AlertRequest): Promise<SealedAlert> {
    const recipient = alert.recipient ?? this.defaultRecipient();
    if (!recipient) throw new AlertError('ALERT_NO_RECIPIENT', 'no Access Control Broker certificate is trusted, so there is no one to address the alert to', { where: 'alert recipient' });
    const counter = await this.options.counters.nextOwn();
    const unsealed = {
      header: {
        cra: 'alert' as const,
        originatorCounter: counter,
        originator: alert.originator,
        recipient,
        ...(alert.dateTime ? { dateTime: alert.dateTime } : {}),
        messageCode: alert.messageCode,
      },
      payload: alert.payload(counter),
    };
    const bytes = alert.signed
      ? await this.options.authenticator.signed(unsealed)
      : await this.options.authenticator.seal({ ...unsealed, signature: 'empty' });
    return { messageCode: alert.messageCode, counter, bytes, ...(alert.concerns ? { concerns: alert.concerns } : {}) };
  }
}
