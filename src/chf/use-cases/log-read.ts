import type { AccessStep, AccessUseCase, EventLogEntry, eventLogRange } from '../../gbcs/payload/dlms/index.js';
import type { ShapeValue } from '../../gbcs/index.js';
import type { UseCaseResult, UseCaseCommand } from '../../use-case/index.js';
import { type LogEntry, type ReadableLog, gbcsCodeOf } from '../../logs/index.js';
import { commandView, failureResult, RESULT } from './dlms-answers.js';

/**
 * Reading the CHF's Event or Security Log by a time range (ECS35c, ECS35d): a profile-generic
 * buffer read with access selector 1, from and to in seconds since 2000-01-01 UTC, both inclusive.
 */
export const GBCS_EPOCH_MS = Date.UTC(2000, 0, 1);

/** The octets an entry carries: the Message Code of the command it is about (0x8154, 0x8155), else none. */
function eventData(entry: LogEntry): Buffer {
  const code = entry.detail['messageCode'];
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code > 0xffff) return Buffer.alloc(0);
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(code);
  return bytes;
}

/** Hub-local events with no GBCS code are not reported. */
function toDlms(entries: readonly LogEntry[]): EventLogEntry[] {
  return entries.flatMap((entry) => {
    const eventCode = gbcsCodeOf(entry.code);
    if (eventCode === undefined) return [];
    return [{ time: Math.floor((entry.at - GBCS_EPOCH_MS) / 1000), eventCode, eventData: eventData(entry) }];
  });
}

type RangeRequest = ShapeValue<typeof eventLogRange>;

/** ECS35c and ECS35d: the same range read, each log's entries in the shape its buffer has. */
export async function answerLogRead<E>(
  useCase: AccessUseCase<{ eventLog: AccessStep<RangeRequest, E[]> }>,
  log: ReadableLog,
  command: UseCaseCommand,
  shape: (entry: EventLogEntry) => E,
): Promise<UseCaseResult> {
  const { invokeId, parameters } = commandView<{ eventLog: AccessStep<RangeRequest, E[]> }>(command);
  const { from, to } = parameters.eventLog;
  let outcome;
  try {
    const entries = await log.range({ from: GBCS_EPOCH_MS + from * 1000, to: GBCS_EPOCH_MS + (to + 1) * 1000 });
    outcome = { result: RESULT.success, value: toDlms(entries).map(shape) };
  } catch (error) {
    outcome = { result: failureResult(error) };
  }
  return { payload: useCase.encodeResponse({ invokeId, results: { eventLog: outcome } }) };
}
