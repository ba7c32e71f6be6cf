import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { EzspError, EzspFrameError } from '../../../hal/ezsp/errors.js';
import { EzspHost, type EzspHostOptions } from '../../../hal/ezsp/host.js';
import { frameLinkPair, InvalidCommand, ScriptedNcp, type FrameLink } from './link-pair.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await tick();
}

function setup(ncpVersion: number, options: Partial<EzspHostOptions> = {}) {
  const [hostLink, ncpLink] = frameLinkPair();
  const clock = new ManualClock();
  const ncp = new ScriptedNcp(ncpLink, ncpVersion);
  const host = new EzspHost({ link: hostLink, clock, commandTimeoutMs: 1000, reconnectDelayMs: 500, ...options });
  return { host, ncp, clock, hostLink, ncpLink };
}

async function rejection(promise: Promise<unknown>): Promise<EzspError> {
  try {
    await promise;
  } catch (error) {
    return error as EzspError;
  }
  throw new Error('expected a rejection');
}

describe('EZSP host version negotiation', () => {
  it('asks in the legacy format, then confirms the version the NCP offers in the extended format', async () => {
    const { host, ncp, hostLink } = setup(13, { preferredVersion: 19 });
    const info = await host.start();
    expect(info.protocolVersion).toBe(13);
    expect(host.version).toBe(13);
    expect(ncp.requests.map((r) => [r.name, r.format, r.params])).toEqual([
      ['version', 'legacy', { desiredProtocolVersion: 19 }],
      ['version', 'extended', { desiredProtocolVersion: 13 }],
    ]);
    expect(hostLink.sent[0]?.toString('hex')).toBe('00000013');
  });

  it('needs one version command when the NCP speaks the version asked for', async () => {
    const { host, ncp } = setup(14, { preferredVersion: 14 });
    await host.start();
    expect(ncp.requests).toHaveLength(1);
    expect(host.version).toBe(14);
  });

  it('refuses an NCP older than EZSP 13, naming both versions', async () => {
    const { host } = setup(8);
    const error = await rejection(host.start());
    expect(error).toBeInstanceOf(EzspError);
    expect(error.code).toBe('EZSP_VERSION_UNSUPPORTED');
    expect(error.message).toMatch(/version 8\b/);
    expect(error.message).toMatch(/13 or later/);
    expect(host.ready).toBe(false);
  });

  it('rejects commands before start', async () => {
    const { host } = setup(13);
    expect((await rejection(host.command('getNodeId', {}))).code).toBe('EZSP_LINK_DOWN');
  });
});

describe('EZSP host commands', () => {
  it('matches the response by sequence number and ignores stale ones', async () => {
    const { host, ncp, ncpLink } = setup(14, { preferredVersion: 14 });
    await host.start();
    ncp.on('getNodeId', async (frame) => {
      // A response with another sequence number first: it must not be taken for ours.
      const { encodeResponse } = await import('../../../hal/ezsp/codec.js');
      await ncpLink.send(encodeResponse('getNodeId', { nodeId: 0xdead }, (frame.sequence + 7) & 0xff, 14));
      return { nodeId: 0x0000 };
    });
    expect(await host.command('getNodeId', {})).toEqual({ nodeId: 0 });
    expect(host.counters.staleResponses).toBe(1);
  });

  it('sends one command at a time, in call order', async () => {
    const { host, ncp, hostLink } = setup(14, { preferredVersion: 14 });
    await host.start();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    ncp.on('getEui64', async () => {
      await gate;
      return { eui64: '00124B0001020304' };
    });
    const sentBefore = hostLink.sent.length;
    const first = host.command('getEui64', {});
    const second = host.command('getNodeId', {});
    await settle();
    expect(hostLink.sent.length - sentBefore).toBe(1);
    release();
    expect(await first).toEqual({ eui64: '00124B0001020304' });
    expect(await second).toEqual({ nodeId: 0 });
    expect(ncp.requests.slice(-2).map((r) => r.name)).toEqual(['getEui64', 'getNodeId']);
  });

  it('times a command out on the clock, and carries on afterwards', async () => {
    const { host, ncp, clock } = setup(14, { preferredVersion: 14 });
    await host.start();
    ncp.on('networkState', () => undefined);
    const silent = host.command('networkState', {});
    const next = host.command('getNodeId', {});
    await settle();
    await clock.advance(1000);
    const error = await rejection(silent);
    expect(error.code).toBe('EZSP_TIMEOUT');
    expect(error.where).toContain('networkState');
    expect(await next).toEqual({ nodeId: 0 });
    expect(host.counters.timeouts).toBe(1);
  });

  it('reports an NCP refusal as EZSP_INVALID_COMMAND', async () => {
    const { host, ncp } = setup(14, { preferredVersion: 14 });
    await host.start();
    ncp.on('setPolicy', () => new InvalidCommand(0x31));
    const error = await rejection(host.command('setPolicy', { policyId: 0, decisionId: 0 }));
    expect(error.code).toBe('EZSP_INVALID_COMMAND');
    expect(error.message).toContain('ERROR_INVALID_FRAME_ID');
  });

  it('fails the pending command at once when its response cannot be decoded', async () => {
    const { host, ncp, ncpLink } = setup(14, { preferredVersion: 14 });
    await host.start();
    ncp.on('getNodeId', async (frame) => {
      await ncpLink.send(Buffer.from([frame.sequence, 0x80, 0x01, 0x27, 0x00, 0x01])); // one byte short
      return undefined;
    });
    const error = await rejection(host.command('getNodeId', {}));
    expect(error).toBeInstanceOf(EzspFrameError);
    expect(host.counters.badFrames).toBe(1);
  });

  it('hands callbacks up as typed events', async () => {
    const { host, ncp } = setup(13);
    await host.start();
    const heard = once(host, 'stackStatusHandler');
    await ncp.callback('stackStatusHandler', { status: 0x90 });
    expect(await heard).toEqual([{ status: 0x90 }]);
  });
});

describe('EZSP host recovery after an NCP reset', () => {
  function withInitialise(ncpVersion: number) {
    const runs: string[] = [];
    const env = setup(ncpVersion, {
      preferredVersion: ncpVersion,
      initialise: async (ezsp) => {
        runs.push(`v${ezsp.version}`);
        await ezsp.command('setConfigurationValue', { configId: 0x1e, value: 4 });
        await ezsp.command('networkInit', { bitmask: 0 });
      },
    });
    return { ...env, runs };
  }

  it('fails the command in flight, then renegotiates and re-initialises before anything else', async () => {
    const { host, ncp, hostLink, runs } = withInitialise(14);
    await host.start();
    expect(runs).toEqual(['v14']);
    ncp.on('getNodeId', () => undefined);
    const inFlight = host.command('getNodeId', {});
    await settle();
    const down = once(host, 'down');
    const ready = once(host, 'ready');
    (hostLink as FrameLink).ncpReset();
    expect((await rejection(inFlight)).code).toBe('EZSP_LINK_DOWN');
    await down;
    await ready;
    expect(runs).toEqual(['v14', 'v14']);
    const names = ncp.requests.map((r) => r.name);
    expect(names.slice(-3)).toEqual(['version', 'setConfigurationValue', 'networkInit']);
    ncp.on('getNodeId', () => ({ nodeId: 0 }));
    expect(await host.command('getNodeId', {})).toEqual({ nodeId: 0 });
    expect(host.counters.recoveries).toBe(1);
  });

  it('refuses commands while down, and keeps trying until the NCP answers again', async () => {
    const { host, hostLink, ncpLink, clock, runs } = withInitialise(13);
    await host.start();
    ncpLink.answering = false;
    hostLink.ncpReset();
    await settle();
    expect((await rejection(host.command('getNodeId', {}))).code).toBe('EZSP_LINK_DOWN');
    await clock.advance(500);
    await clock.advance(500);
    expect(host.ready).toBe(false);
    ncpLink.answering = true;
    const ready = once(host, 'ready');
    await clock.advance(500);
    await ready;
    expect(host.ready).toBe(true);
    expect(runs).toEqual(['v13', 'v13']);
  });

  it('gives up for good if the NCP comes back speaking an unsupported version', async () => {
    const { host, ncp, hostLink } = withInitialise(13);
    await host.start();
    ncp.version = 12;
    const failed = once(host, 'failed');
    hostLink.ncpReset();
    const [error] = (await failed) as [EzspError];
    expect(error.code).toBe('EZSP_VERSION_UNSUPPORTED');
    expect(host.ready).toBe(false);
  });
});
