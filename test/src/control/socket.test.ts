import { EventEmitter } from 'node:events';
import { chmod, mkdir, mkdtemp, stat } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../../../src/control/client.js';
import { registry } from '../../../src/control/dispatch.js';
import type { ControlEvent, ControlEvents } from '../../../src/control/events.js';
import { withLocalContext } from '../../../src/control/local-context.js';
import type { ControlContext } from '../../../src/control/operation.js';
import { CONTROL_OPERATIONS } from '../../../src/control/operations/index.js';
import { controlSocketPath, startControlServer, type ControlServer } from '../../../src/control/server.js';

const logger = pino({ level: 'silent' });
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real store on disk, served on a real socket, with an event feed the test drives. */
async function serving(): Promise<{ storePath: string; server: ControlServer; events: ControlEvents }> {
  const storePath = join(await mkdtemp(join(tmpdir(), 'hub-control-')), 'state');
  const events: ControlEvents = new EventEmitter();
  let release!: () => void;
  const ready = new Promise<{ server: ControlServer }>((resolve, reject) => {
    void withLocalContext({ storePath, sealed: true, creating: true }, async (local) => {
      const context: ControlContext = { ...local, live: true, events };
      const server = await startControlServer({ storePath, context, operations: registry(CONTROL_OPERATIONS), logger });
      resolve({ server });
      await new Promise<void>((done) => (release = done));
      await server.close();
    }).catch(reject);
  });
  const { server } = await ready;
  cleanups.push(async () => release());
  return { storePath, server, events };
}

/** One raw line to the socket and the first line back, as any client would see it. */
function raw(path: string, line: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
      const end = text.indexOf('\n');
      if (end >= 0) {
        socket.destroy();
        resolve(JSON.parse(text.slice(0, end)) as Record<string, unknown>);
      }
    });
    socket.on('error', reject);
    socket.write(`${line}\n`);
  });
}

describe('the control socket', () => {
  it('is a socket only its owner may open, in the store directory', async () => {
    const { storePath, server } = await serving();
    expect(server.path).toBe(controlSocketPath(storePath));
    const mode = (await stat(server.path)).mode;
    expect(mode & 0o777).toBe(0o600);
  });

  it('carries out an operation and answers with its result; a change is there for the next request', async () => {
    const { storePath } = await serving();
    const client = (await ControlClient.connect(storePath))!;
    cleanups.push(() => client.close());
    const added = await client.request<{ added: boolean; device: { installCode: string } }>('devices.add', { eui64: '00-DB-12-34-56-78-90-B0', deviceType: 'ESME', installCode: '83FED3407A939723A5C639B26916D505C3B5' });
    expect(added.added).toBe(true);
    // The install code leaves only masked.
    expect(added.device.installCode).not.toContain('83FED340');
    const listed = await client.request<{ devices: Array<{ eui64: string }> }>('devices.list');
    expect(listed.devices.map((d) => d.eui64)).toEqual(['00DB1234567890B0']);
  });

  it('refuses bad requests with typed errors and keeps serving', async () => {
    const { server } = await serving();
    expect(await raw(server.path, 'not json')).toMatchObject({ id: null, ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await raw(server.path, JSON.stringify({ v: 2, id: 7, op: 'devices.list' }))).toMatchObject({ id: 7, ok: false, error: { code: 'UNSUPPORTED_VERSION' } });
    expect(await raw(server.path, JSON.stringify({ v: 1, id: 8, op: 'devices.explode' }))).toMatchObject({ id: 8, ok: false, error: { code: 'UNKNOWN_OPERATION' } });
    expect(await raw(server.path, JSON.stringify({ v: 1, id: 9, op: 'devices.remove', args: { eui64: 5 } }))).toMatchObject({ id: 9, ok: false, error: { code: 'BAD_ARGUMENTS', where: 'devices.remove eui64' } });
    expect(await raw(server.path, JSON.stringify({ v: 1, id: 10, op: 'devices.remove', args: { eui64: '00DB1234567890B9' } }))).toMatchObject({ id: 10, ok: false, error: { code: 'DEVICE_NOT_IN_LOG', where: '00DB1234567890B9' } });
    expect(await raw(server.path, JSON.stringify({ v: 1, id: 11, op: 'devices.list' }))).toMatchObject({ id: 11, ok: true });
  });

  it('streams events to a subscriber until it unsubscribes', async () => {
    const { storePath, events } = await serving();
    const client = (await ControlClient.connect(storePath))!;
    cleanups.push(() => client.close());
    const heard: unknown[] = [];
    const subscription = await client.subscribe({ types: ['joinWindow.phase'] }, (event) => heard.push(event));
    const phase: ControlEvent = { type: 'joinWindow.phase', eui64: '00DB1234567890B0', phase: 'installCode', closesAt: 1 };
    events.emit('event', { type: 'joinWindow.expired', eui64: '00DB1234567890B0' });
    events.emit('event', phase);
    await expect.poll(() => heard).toEqual([phase]);
    await subscription.close();
    events.emit('event', phase);
    // The connection still answers, and the closed stream heard nothing more.
    await client.request('devices.list');
    expect(heard).toEqual([phase]);
    expect(events.listenerCount('event')).toBe(0);
  });

  it('will not speak to a socket others may open: it could be anyone waiting for a PIN', async () => {
    const storePath = join(await mkdtemp(join(tmpdir(), 'hub-control-')), 'state');
    await mkdir(storePath, { mode: 0o700 });
    const impostor = createServer(() => undefined);
    await new Promise<void>((resolve) => impostor.listen(controlSocketPath(storePath), resolve));
    cleanups.push(() => new Promise((resolve) => impostor.close(resolve)));
    await chmod(controlSocketPath(storePath), 0o666);
    await expect(ControlClient.connect(storePath)).rejects.toMatchObject({ code: 'CONTROL_SOCKET_UNTRUSTED' });
  });

  it('gives no client once the hub has stopped serving', async () => {
    const { storePath } = await serving();
    await cleanups.pop()!();
    expect(await ControlClient.connect(storePath)).toBeUndefined();
  });
});
