import { RESULT, type ResultCode } from './dlms-answers.js';

type Read = { result: ResultCode; value?: Buffer };

/**
 * The identity values the hub's configuration gives (ECS26n, ECS26i), read one after the other as
 * one ACCESS request: a value the configuration does not hold is a hardware fault, and the reads
 * after it are not attempted (other reason), as the RTDS ERROR responses have them.
 */
export function readInOrder(values: ReadonlyArray<Buffer | undefined>): Read[] {
  let failed = false;
  return values.map((value): Read => {
    if (failed) return { result: RESULT.otherReason };
    if (value === undefined || value.length === 0) {
      failed = true;
      return { result: RESULT.hardwareFault };
    }
    return { result: RESULT.success, value };
  });
}
