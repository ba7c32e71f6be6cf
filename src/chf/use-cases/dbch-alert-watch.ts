/** Raises the Sub GHz alerts DBCH06..DBCH11 from the Sub GHz state's events. */
import type { Logger } from '../../../hal/log.js';
import type { AlertSink, HubIdentity } from '../../use-case/index.js';
import type { SubGhzEvents, SubGhzState } from '../../subghz/index.js';
import type { DbchAlert } from './dbch-alert-format.js';
import { DBCH06_ALERT } from './dbch06-duty-cycle-action-alert.js';
import { channelChangeBody, DBCH07_ALERT } from './dbch07-channel-changed-alert.js';
import { assessmentBody, DBCH08_ALERT } from './dbch08-scan-assessed-alert.js';
import { configurationValue, DBCH09_ALERT } from './dbch09-configuration-changed-alert.js';
import { DBCH10_ALERT, discardedBody } from './dbch10-command-discarded-alert.js';
import { DBCH11_ALERT } from './dbch11-no-capacity-alert.js';

type AlertEvent = 'dutyCycleActionTaken' | 'channelChanged' | 'scanRequestAssessed' | 'configurationChanged' | 'commandDiscarded' | 'capacityExhausted';

/**
 * Raise each DBCH alert when the Sub GHz state reports its event; returns the unsubscribe.
 * A DBCH10 needs the Remote Party whose command was discarded: an event without one is logged
 * and not raised, since the alert could not say whose command it was.
 */
export function watchSubGhz(subGhz: SubGhzState, identity: Pick<HubIdentity, 'chf'>, alerts: AlertSink, logger?: Logger): () => void {
  const raise = <T>(alert: DbchAlert<T>, at: number, alertCode: number, body: T): void =>
    alerts.raise({ originator: identity.chf, messageCode: alert.messageCode, payload: (counter) => alert.payload(at, alertCode, body, counter) });
  const listeners: { [E in AlertEvent]: (...args: SubGhzEvents[E]) => void } = {
    dutyCycleActionTaken: (e) => raise(DBCH06_ALERT, e.at, e.alertCode, e.eui64),
    channelChanged: (e) => raise(DBCH07_ALERT, e.at, e.alertCode, channelChangeBody(e.channel)),
    scanRequestAssessed: (e) => raise(DBCH08_ALERT, e.at, e.alertCode, assessmentBody(e.assessment)),
    configurationChanged: (e) => raise(DBCH09_ALERT, e.at, e.alertCode, configurationValue(e.configuration)),
    commandDiscarded: (e) => {
      if (e.command.remoteParty === undefined) {
        logger?.warn({ messageCode: e.command.messageCode }, 'DBCH10 not raised: the discarded command has no Remote Party');
        return;
      }
      raise(DBCH10_ALERT, e.at, e.alertCode, discardedBody(e.command.remoteParty, e.eui64, e.command));
    },
    capacityExhausted: (e) => raise(DBCH11_ALERT, e.at, e.alertCode, e.eui64),
  };
  const names = Object.keys(listeners) as AlertEvent[];
  for (const name of names) subGhz.on(name, listeners[name] as never);
  return () => {
    for (const name of names) subGhz.off(name, listeners[name] as never);
  };
}
