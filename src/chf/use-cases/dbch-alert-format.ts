/** How a Sub GHz (DBCH06..11) alert is built: a DLMS DATA-NOTIFICATION of alert code, time stamp and body, raised by the CHF. */
import { AlertUseCase, type Shape, messageCodesFor } from '../../gbcs/index.js';
import { alertInvokeId, gbcsTimestamp } from './dlms-answers.js';

export interface DbchAlert<T> {
  useCase: string;
  messageCode: number;
  view: AlertUseCase<T>;
  /** The payload for an event at `at` (ms) with this body, sealed with `counter`. */
  payload(at: number, alertCode: number, body: T, counter: bigint): Buffer;
}

export function dbchAlert<T>(useCase: string, alertCode: number, body: Shape<T>): DbchAlert<T> {
  return fromView(useCase, new AlertUseCase(useCase, [alertCode], body));
}

/** For the alerts whose view the payload layer already declares (DBCH07, DBCH09). */
export function fromView<T>(useCase: string, view: AlertUseCase<T>): DbchAlert<T> {
  const [messageCode] = messageCodesFor(useCase);
  if (messageCode === undefined) throw new Error(`${useCase} has no Message Code`);
  return {
    useCase,
    messageCode,
    view,
    payload: (at, alertCode, body, counter) => view.encode({ invokeId: alertInvokeId(counter), alertCode, timestamp: gbcsTimestamp(at), body }),
  };
}
