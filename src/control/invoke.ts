import { ControlClient } from './client.js';
import { withLocalContext } from './local-context.js';
import { checkArgs, type Operation } from './operation.js';

export interface InvokeOptions {
  storePath: string;
  /** Where keys.json is, for a run with no hub (a running hub has its own). */
  keysDir?: string;
}

/**
 * Carry out one operation: through the running hub's control socket when a hub is running on this
 * store, else on the store directly. The operation's code is the same either way, so is the result.
 */
export async function invoke<A extends object, R>(operation: Operation<A, R>, args: A, options: InvokeOptions): Promise<R> {
  const client = await ControlClient.connect(options.storePath);
  if (client) {
    try {
      return await client.request<R>(operation.name, args as Record<string, unknown>);
    } finally {
      await client.close();
    }
  }
  const checked = checkArgs(operation, args);
  return withLocalContext(
    { storePath: options.storePath, ...(options.keysDir ? { keysDir: options.keysDir } : {}), sealed: operation.sealed, creating: operation.creates?.(checked) ?? false },
    (context) => operation.run(context, checked, { channel: 'cli' }),
  );
}
