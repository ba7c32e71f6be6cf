import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli.js';
import { writeEndpoint } from '../../../src/wan/endpoint-file.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../../src/wan/embedded-broker.js';
import { embeddedLogins } from '../../../src/wan/embedded-login.js';
import { HUB, LinkRig } from './rig.js';
import { freeTcpPort } from '../../helpers/ports.js';

/**
 * `hub wan status`, `hub send` and `hub listen` in-process against a WAN link on the embedded
 * broker (the broker a newcomer's `npm start` runs), found through the endpoint file as a person
 * on the same machine would find it.
 */
let broker: EmbeddedBroker;
let hub: LinkRig;
let dir: string;
let config: string;
let stdout = '';
let stderr = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-wan-cli-'));
  // The logins `hub start` makes beside the store, which the CLI finds there.
  const logins = await embeddedLogins(dir);
  broker = await startEmbeddedBroker({ logins });
  hub = await LinkRig.create({ broker: broker.url, telemetrySeconds: 5, ...logins.hub }, { health: () => ({ han: { devices: [{ eui64: '00DB1234567890A1', type: 'ESME' }] } }) });
  // The echo a router would give: the command's bytes reversed, to wherever the command asked.
  hub.link.on('command', (bytes, meta) => {
    void hub.link.publishUpstream('response', Buffer.from(bytes).reverse(), {
      ...(meta.responseTopic ? { responseTopic: meta.responseTopic } : {}),
      ...(meta.correlationData ? { correlationData: meta.correlationData } : {}),
    });
  });
  const connected = hub.next('connected');
  await hub.link.start();
  await connected;
  config = join(dir, 'hub.yaml');
  await writeFile(config, `store:\n  path: ${dir}\n`);
  await writeEndpoint(dir, { broker: broker.url, hub: HUB, topicPrefix: 'gbcs', embedded: true, pid: process.pid });
});
afterAll(async () => {
  await hub.dispose();
  await broker.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  stdout = '';
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
});
afterEach(() => vi.restoreAllMocks());

describe('hub wan status', () => {
  it("prints the hub's state, link and outbox from its retained telemetry, finding the broker the hub recorded", async () => {
    expect(await main(['-c', config, 'wan', 'status'])).toBe(0);
    expect(stdout).toMatch(new RegExp(`^hub ${HUB}: online`));
    expect(stdout).toMatch(/broker +mqtt:\/\/127\.0\.0\.1:\d+ \(MQTT 3\.1\.1 from here\)/);
    expect(stdout).toMatch(/outbox +0 waiting \(0 bytes\) of 10000 messages/);
    expect(stdout).toMatch(/han +1 devices: 00DB1234567890A1 ESME \(last heard never\)/);
  });

  it('gives JSON with --json', async () => {
    expect(await main(['-c', config, 'wan', 'status', '--json'])).toBe(0);
    const report = JSON.parse(stdout) as { state: string; telemetry: { hub: string; wan: { connected: boolean } } };
    expect(report).toMatchObject({ state: 'online', telemetry: { hub: HUB, wan: { connected: true } } });
  });

  it('says when no hub has reported under the prefix, and when nothing answers at the broker', async () => {
    expect(await main(['-c', config, 'wan', 'status', '--broker', broker.url, '--hub', '00DB000000000001'])).toBe(2);
    expect(stderr).toMatch(/hub 00DB000000000001 has never reported here \[WAN_NO_HUB\]/);
    stderr = '';
    expect(await main(['-c', config, 'wan', 'status', '--broker', `mqtt://127.0.0.1:${await freeTcpPort()}`])).toBe(2);
    expect(stderr).toMatch(/cannot reach the broker \(ECONNREFUSED.*\[WAN_UNREACHABLE\]/);
  });
});

describe('hub send', () => {
  it("publishes the bytes on the hub's command topic and prints the response", async () => {
    expect(await main(['-c', config, 'send', 'DF 01 02 03'])).toBe(0);
    expect(stdout.trim()).toBe('030201df');
    stdout = '';
    expect(await main(['-c', config, 'send', 'aabb', '--json'])).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ response: 'bbaa', topic: `gbcs/${HUB}/response` });
  });

  it('refuses bytes that are not hex before connecting, and says when no response comes', async () => {
    expect(await main(['-c', config, 'send', 'abc'])).toBe(2);
    expect(stderr).toMatch(/not GBCS bytes in hex .*\[WAN_BAD_HEX\]/);
    stderr = '';
    expect(await main(['-c', config, 'send', 'aa', '--hub', '00DB000000000001', '--timeout', '1'])).toBe(2);
    expect(stderr).toMatch(/no response within 1 s .*\[WAN_NO_RESPONSE\]/);
  });

  it('says where to find a broker when there is none', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'hub-wan-cli-empty-'));
    const bare = join(empty, 'hub.yaml');
    await writeFile(bare, `store:\n  path: ${empty}\n`);
    expect(await main(['-c', bare, 'send', 'aa'])).toBe(2);
    expect(stderr).toMatch(/no broker to reach: pass --broker, set wan\.broker .*\[WAN_NO_BROKER\]/);
    await rm(empty, { recursive: true, force: true });
  });
});

describe('hub listen', () => {
  it('prints responses and alerts as they arrive, with the retained state, and stops after --count', async () => {
    const listening = main(['-c', config, 'listen', '--count', '2']);
    await vi.waitFor(() => expect(stdout).toContain('state'), { timeout: 5000 });
    await hub.link.publishUpstream('alert', Buffer.from('dd01', 'hex'), { source: '00DB1234567890A1' });
    await hub.link.publishUpstream('alert', Buffer.from('dd02', 'hex'));
    expect(await listening).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`  ${HUB}  state +online$`));
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(2, 4))).toEqual([
      ['alert', 'dd01'],
      ['alert', 'dd02'],
    ]);
  });

  it('gives one JSON object per line with --json', async () => {
    const listening = main(['-c', config, 'listen', '--count', '1', '--json']);
    await vi.waitFor(() => expect(stdout).toContain('state'), { timeout: 5000 });
    await hub.link.publishUpstream('alert', Buffer.from('dd03', 'hex'));
    expect(await listening).toBe(0);
    const last = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({ hub: HUB, kind: 'alert', hex: 'dd03' });
  });
});
