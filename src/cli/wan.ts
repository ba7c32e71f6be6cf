import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { IPublishPacket } from 'mqtt';
import { HubError } from '../../hal/errors.js';
import { parseEui64 } from '../../hal/eui64.js';
import type { Eui64 } from '../../hal/radio.js';
import { loadConfig } from '../config.js';
import { readEmbeddedLogins, readEndpoint, wanSettingsFromConfig, type WanSettings, connectTool, findHubs, type ToolClient, hubTopics, parseHubTopic, USER_PROPERTY, type HubTopics, formatStatus, type StatusReport, type RelayReport } from '../wan/index.js';
import { explainNoResponse } from './send-diagnosis.js';
import { routeOf } from '../gbcs/index.js';

/**
 * `hub wan status`, `hub send <hex>` and `hub listen`: a person's view of a running hub through
 * its broker. The broker is `--broker`, else the config's `wan.broker`, else the one `hub start`
 * recorded beside the store (the embedded broker); the hub is `--hub`, else the one recorded, else
 * the only hub with a retained state under the topic prefix.
 */
export class WanCommandError extends HubError {}

export interface TargetOptions {
  broker?: string;
  hub?: string;
}

export interface Target {
  settings: WanSettings;
  prefix: string;
  hub: Eui64 | undefined;
}

export async function resolveTarget(program: Command, options: TargetOptions): Promise<Target> {
  const config = await loadConfig(program.opts<{ config?: string }>().config);
  const endpoint = await readEndpoint(resolve(config.store.path));
  const broker = options.broker ?? config.wan.broker ?? endpoint?.broker;
  if (broker === undefined) {
    throw new WanCommandError('WAN_NO_BROKER', 'no broker to reach: pass --broker, set wan.broker in the config, or start the hub (npm start) so it records its embedded broker', { where: resolve(config.store.path) });
  }
  const prefix = broker === endpoint?.broker ? endpoint.topicPrefix : config.wan.topicPrefix;
  const hub = options.hub !== undefined ? parseEui64(options.hub, '--hub') : broker === endpoint?.broker ? endpoint.hub : undefined;
  // The embedded broker takes the tools' login kept beside the store.
  const login = broker === endpoint?.broker && endpoint.embedded ? (await readEmbeddedLogins(resolve(config.store.path)))?.tools : undefined;
  return { settings: { ...wanSettingsFromConfig({ ...config.wan, topicPrefix: prefix }, broker), ...login }, prefix, hub };
}

export async function chooseHub(tool: ToolClient, target: Target): Promise<Eui64> {
  if (target.hub) return target.hub;
  const hubs = await findHubs(tool.client, target.prefix);
  if (hubs.size === 1) return [...hubs.keys()][0]!;
  const where = `${target.settings.broker} under ${target.prefix}/`;
  if (hubs.size === 0) throw new WanCommandError('WAN_NO_HUB', 'no hub has reported its state here (is it running and connected?)', { where });
  throw new WanCommandError('WAN_WHICH_HUB', `several hubs report here (${[...hubs.keys()].join(', ')}): pick one with --hub`, { where });
}

export async function withTool<T>(target: Target, run: (tool: ToolClient) => Promise<T>): Promise<T> {
  const tool = await connectTool(target.settings);
  try {
    return await run(tool);
  } finally {
    await tool.close();
  }
}

function parseHex(text: string): Buffer {
  const compact = text.replace(/[\s:]/g, '');
  if (compact.length === 0 || compact.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(compact)) {
    throw new WanCommandError('WAN_BAD_HEX', 'not GBCS bytes in hex (an even number of hex digits)', { where: 'hub send' });
  }
  return Buffer.from(compact, 'hex');
}

/** Retained state and telemetry arrive right after the subscription; wait briefly for both. */
async function readStatus(tool: ToolClient, topics: HubTopics, broker: string, waitMs = 1500): Promise<StatusReport> {
  const report: StatusReport = { hub: topics.hub, broker, protocolHere: tool.protocol === 5 ? '5' : '3.1.1', state: undefined, telemetry: undefined };
  await new Promise<void>((done) => {
    const timer = setTimeout(done, waitMs);
    tool.client.on('message', (topic, payload) => {
      if (topic === topics.state) report.state = payload.toString();
      if (topic === topics.telemetry) report.telemetry = JSON.parse(payload.toString()) as StatusReport['telemetry'];
      if (report.state !== undefined && report.telemetry !== undefined) {
        clearTimeout(timer);
        done();
      }
    });
    void tool.client.subscribeAsync([topics.state, topics.telemetry], { qos: 1 });
  });
  return report;
}

/** The hub's report that it could not relay this command (its counter and Message Code match), if that is what `payload` says. */
function notRelayed(command: Buffer, payload: Buffer): RelayReport | undefined {
  let report: RelayReport;
  let route;
  try {
    report = JSON.parse(payload.toString()) as RelayReport;
    route = routeOf(command);
  } catch {
    return undefined;
  }
  const counter = route.originatorCounter.toString(16).toUpperCase().padStart(16, '0');
  return report.originatorCounter === counter && report.device === route.recipient ? report : undefined;
}

/**
 * Publish a command and wait for the response on the hub's response topic (matched by correlation
 * data on MQTT 5). No response: say why, as far as the message and the hub's telemetry show (the
 * hub's PUBACK reason code goes to the broker, not to us).
 */
export async function exchange(tool: ToolClient, topics: HubTopics, bytes: Buffer, timeoutSeconds: number): Promise<Buffer> {
  const correlation = randomBytes(8);
  let timer: NodeJS.Timeout | undefined;
  const response = new Promise<Buffer | undefined>((resolveResponse, failRelay) => {
    timer = setTimeout(() => resolveResponse(undefined), timeoutSeconds * 1000);
    tool.client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
      if (topic !== topics.response && topic !== topics.relay) return;
      const echoed = packet.properties?.correlationData;
      if (tool.protocol === 5 && echoed !== undefined && !correlation.equals(Buffer.from(echoed))) return;
      if (topic === topics.relay) {
        const report = notRelayed(bytes, payload);
        if (!report) return;
        clearTimeout(timer);
        failRelay(new WanCommandError('WAN_NOT_RELAYED', `the hub could not pass the command on to ${report.device}: ${report.status}${report.detail ? ` (${report.detail})` : ''}`, { where: topics.relay }));
        return;
      }
      clearTimeout(timer);
      resolveResponse(Buffer.from(payload));
    });
  });
  await tool.client.subscribeAsync([topics.response, topics.relay], { qos: 1 });
  const properties = tool.protocol === 5 ? { properties: { responseTopic: topics.response, correlationData: correlation, contentType: 'application/gbcs' } } : {};
  await tool.client.publishAsync(topics.command, bytes, { qos: 1, ...properties });
  const answer = await response;
  if (answer) return answer;
  const why = explainNoResponse(bytes, topics.hub, (await readStatus(tool, topics, '')).telemetry);
  throw new WanCommandError('WAN_NO_RESPONSE', `no response within ${timeoutSeconds} s (hub ${topics.hub}): ${why}`, { where: topics.response });
}

async function send(target: Target, bytes: Buffer, options: { wait: boolean; timeout: number; json?: boolean }): Promise<string> {
  return withTool(target, async (tool) => {
    const topics = hubTopics(target.prefix, await chooseHub(tool, target));
    if (!options.wait) {
      await tool.client.publishAsync(topics.command, bytes, { qos: 1 });
      return options.json ? JSON.stringify({ sent: bytes.toString('hex'), topic: topics.command }) : `sent to ${topics.command}`;
    }
    const started = performance.now();
    const payload = await exchange(tool, topics, bytes, options.timeout);
    const ms = Math.round(performance.now() - started);
    return options.json ? JSON.stringify({ response: payload.toString('hex'), topic: topics.response, ms }) : payload.toString('hex');
  });
}

async function listen(target: Target, options: { count?: number; json?: boolean; telemetry?: boolean }, write: (line: string) => void): Promise<void> {
  await withTool(target, async (tool) => {
    const hub = target.hub ?? '+';
    const leaves = ['response', 'alert', 'state', ...(options.telemetry ? ['telemetry'] : [])];
    let gbcs = 0;
    await new Promise<void>((done, fail) => {
      const stop = () => done();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      tool.client.on('close', () => fail(new WanCommandError('WAN_DISCONNECTED', 'the broker closed the connection', { where: target.settings.broker })));
      tool.client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
        const parsed = parseHubTopic(target.prefix, topic);
        if (!parsed) return;
        write(listenLine(parsed.hub, parsed.leaf, payload, packet, options.json === true));
        if (parsed.leaf === 'response' || parsed.leaf === 'alert') gbcs += 1;
        if (options.count !== undefined && gbcs >= options.count) {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          done();
        }
      });
      tool.client.subscribeAsync(leaves.map((leaf) => `${target.prefix}/${hub}/${leaf}`), { qos: 1 }).catch(fail);
    });
  });
}

function listenLine(hub: Eui64, leaf: string, payload: Buffer, packet: IPublishPacket, json: boolean): string {
  const at = new Date().toISOString();
  const text = leaf === 'state' || leaf === 'telemetry';
  const source = packet.properties?.userProperties?.[USER_PROPERTY.source];
  if (json) {
    return JSON.stringify({ at, hub, kind: leaf, ...(text ? { text: payload.toString() } : { hex: payload.toString('hex') }), ...(source ? { source } : {}), retained: packet.retain });
  }
  return `${at}  ${hub}  ${leaf.padEnd(9)}  ${text ? payload.toString() : payload.toString('hex')}${source ? `  (from ${String(source)})` : ''}`;
}

const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a whole number above 0');
  return n;
};

export function withTarget(command: Command): Command {
  return command.option('--broker <url>', 'the broker (default: wan.broker, else the one the running hub recorded)').option('--hub <eui64>', "the CHF's EUI-64 (default: the only hub reporting)");
}

export function registerWan(program: Command): void {
  const wan = program.command('wan').description('the WAN link over MQTT');
  withTarget(wan.command('status').description("the hub's state, WAN link, outbox and HAN as its retained telemetry says").option('--json', 'JSON instead of text')).action(async (options: TargetOptions & { json?: boolean }) => {
    const target = await resolveTarget(program, options);
    const report = await withTool(target, async (tool) => readStatus(tool, hubTopics(target.prefix, await chooseHub(tool, target)), target.settings.broker));
    if (report.state === undefined) throw new WanCommandError('WAN_NO_HUB', `hub ${report.hub} has never reported here`, { where: target.settings.broker });
    process.stdout.write((options.json ? JSON.stringify(report) : formatStatus(report)) + '\n');
  });

  withTarget(program.command('send <hex>').description("publish GBCS bytes (hex) on the hub's command topic and print the response"))
    .option('--timeout <seconds>', 'how long to wait for the response', positive, 10)
    .option('--no-wait', 'publish and return without waiting for a response')
    .option('--json', 'JSON instead of the bare hex')
    .action(async (hex: string, options: TargetOptions & { timeout: number; wait: boolean; json?: boolean }) => {
      const bytes = parseHex(hex);
      const target = await resolveTarget(program, options);
      process.stdout.write((await send(target, bytes, options)) + '\n');
    });

  withTarget(program.command('listen').description("print the hub's responses, alerts and state as they arrive (Ctrl-C to stop)"))
    .option('--count <n>', 'stop after this many responses and alerts', positive)
    .option('--telemetry', 'print telemetry snapshots too')
    .option('--json', 'one JSON object per line')
    .action(async (options: TargetOptions & { count?: number; json?: boolean; telemetry?: boolean }) => {
      const target = await resolveTarget(program, options);
      await listen(target, options, (line) => process.stdout.write(line + '\n'));
    });
}
