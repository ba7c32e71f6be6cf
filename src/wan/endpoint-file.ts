import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isEui64 } from '../../hal/eui64.js';
import type { Eui64 } from '../../hal/radio.js';

/**
 * Where a running hub's broker is, for `hub wan status`, `hub send` and `hub listen` on the same
 * machine: `hub start` writes it beside the store (the embedded broker's port changes every run)
 * and removes it on a clean stop. No secrets go in it: the login and TLS files stay in the config.
 */
export interface WanEndpoint {
  broker: string;
  hub: Eui64;
  topicPrefix: string;
  embedded: boolean;
  pid: number;
}

export const ENDPOINT_FILE = 'wan-endpoint.json';

export async function writeEndpoint(storeDir: string, endpoint: WanEndpoint): Promise<void> {
  await writeFile(join(storeDir, ENDPOINT_FILE), JSON.stringify(endpoint, null, 2) + '\n');
}

export async function removeEndpoint(storeDir: string): Promise<void> {
  await rm(join(storeDir, ENDPOINT_FILE), { force: true });
}

/** The endpoint a hub recorded, or undefined when there is none (or its process is gone). */
export async function readEndpoint(storeDir: string): Promise<WanEndpoint | undefined> {
  let value: Partial<WanEndpoint>;
  try {
    value = JSON.parse(await readFile(join(storeDir, ENDPOINT_FILE), 'utf8')) as Partial<WanEndpoint>;
  } catch {
    return undefined;
  }
  if (typeof value.broker !== 'string' || typeof value.hub !== 'string' || !isEui64(value.hub) || typeof value.topicPrefix !== 'string') return undefined;
  if (typeof value.pid === 'number' && !processAlive(value.pid)) return undefined;
  return { broker: value.broker, hub: value.hub, topicPrefix: value.topicPrefix, embedded: value.embedded === true, pid: value.pid ?? 0 };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
