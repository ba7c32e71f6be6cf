import type { Clock } from '../../hal/clock.js';
import { ControlClient } from './client.js';
import { withLocalContext } from './local-context.js';
import { checkArgs, type Operation } from './operation.js';

export interface InvokeOptions {
  storePath: string;
  /** Where keys.json is, for a run with no hub (a running hub has its own). */
  keysDir?: string;
  /** The clock for a run with no hub (a running hub has its own). */
  clock?: Clock;
}

/**
 * Carry out one operation: through the running hub's control socket when a hub is running on this
 * store, else on the store directly. The operation's code is the same either way, so is the result.
 */
export async function invoke<A extends object, R>(operation: Operation<A, R>, args: A, options: InvokeOptions): Promise<R> {
  const live = await askRunningHub<R>(options.storePath, operation.name, args as Record<string, unknown>);
  if (live) return live.result;
  const checked = checkArgs(operation, args);
  return withLocalContext(
    { storePath: options.storePath, ...(options.keysDir ? { keysDir: options.keysDir } : {}), ...(options.clock ? { clock: options.clock } : {}), sealed: operation.sealed, creating: operation.creates?.(checked) ?? false },
    (context) => operation.run(context, checked, { channel: 'cli' }),
  );
}

/** The running hub's answer to `op`, or undefined when no hub is running on this store. */
export async function askRunningHub<R>(storePath: string, op: string, args: Record<string, unknown> = {}): Promise<{ result: R } | undefined> {
  const client = await ControlClient.connect(storePath);
  if (!client) return undefined;
  try {
    return { result: await client.request<R>(op, args) };
  } finally {
    await client.close();
  }
}
