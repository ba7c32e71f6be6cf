import type { KeyObject } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import type { Clock } from '../../hal/clock.js';
import type { Logger } from '../../hal/log.js';
import { HUB_EVENTS } from '../logs/index.js';
import { connectTool } from '../wan/index.js';
import type { WanSettings } from '../wan/index.js';
import { dispatcher, type OperationRegistry } from './dispatch.js';
import type { ControlContext } from './operation.js';
import { CONTROL_PROTOCOL_VERSION, ControlError, requestIdOf, toWireError, type ControlReply } from './protocol.js';
import { openSignedRequest, SeenRequests } from './signed-request.js';

/**
 * The control operations for a lab's head end over MQTT: signed requests on
 * `<prefix>/<CHF>/control/request`, replies on `<prefix>/<CHF>/control/response` (QoS 1, matched by
 * the request's id; an MQTT 5 correlation data is echoed). Only operations marked `wan` are served,
 * never a stream, and never one that takes a PIN or a path on the hub. A request that is not signed
 * by the configured head-end key, is stale or is played again is refused and recorded in the
 * Security Log. See README.md ("Over MQTT").
 */
export function controlTopics(prefix: string, chf: string): { request: string; response: string } {
  const base = `${prefix}/${chf}/control`;
  return { request: `${base}/request`, response: `${base}/response` };
}

/** How often the control link tries its broker again after losing it. */
const RECONNECT_MS = 5000;

export interface MqttControlOptions {
  settings: WanSettings;
  chf: string;
  headEndKey: KeyObject;
  context: ControlContext;
  operations: OperationRegistry;
  clock: Clock;
  logger: Logger;
}

export async function startMqttControl(options: MqttControlOptions): Promise<{ close(): Promise<void> }> {
  const topics = controlTopics(options.settings.topicPrefix ?? 'gbcs', options.chf);
  const served = new Map([...options.operations].filter(([, operation]) => 'wan' in operation && operation.wan === true));
  const peer = dispatcher(served, options.context, { channel: 'wan' }, options.logger);
  const seen = new SeenRequests();
  // Its own connection (random client id, clean session, no will), so it never disturbs the hub's GBCS session.
  const tool = await connectTool(options.settings);
  const client: MqttClient = tool.client;
  client.options.reconnectPeriod = RECONNECT_MS;
  const reply = (reply: ControlReply, correlationData: Buffer | undefined) =>
    void client.publishAsync(topics.response, JSON.stringify(reply), { qos: 1, ...(correlationData && tool.protocol === 5 ? { properties: { correlationData, contentType: 'application/json' } } : {}) }).catch((error: unknown) => options.logger.warn({ err: error }, 'control reply not sent'));
  client.on('message', (topic, payload, packet) => {
    if (topic !== topics.request) return;
    const correlation = packet.properties?.correlationData;
    let request;
    try {
      request = openSignedRequest(payload, options.headEndKey, options.clock.now(), seen);
    } catch (error) {
      const refusal = error instanceof ControlError ? error : new ControlError('BAD_REQUEST', 'unreadable request', { where: 'control request' });
      // Not the head end, or its words played again: an attack until shown otherwise.
      void options.context.logs().then((logs) => logs.securityLog.record(HUB_EVENTS.failedAuthentication.code, { channel: 'wan', interface: 'control', why: refusal.code }));
      options.logger.warn({ code: refusal.code }, 'control request over MQTT refused');
      let inner: string | null = null;
      try {
        const envelope = JSON.parse(payload.toString()) as { request?: unknown };
        if (typeof envelope.request === 'string') inner = envelope.request;
      } catch {
        inner = null;
      }
      reply({ v: CONTROL_PROTOCOL_VERSION, id: inner === null ? null : requestIdOf(inner), ok: false, error: toWireError(refusal) }, correlation);
      return;
    }
    if (served.get(request.op) === undefined && options.operations.has(request.op)) {
      reply({ v: CONTROL_PROTOCOL_VERSION, id: request.id, ok: false, error: toWireError(new ControlError('NOT_OVER_WAN', 'this operation is served only on the hub\'s local socket', { where: request.op })) }, correlation);
      return;
    }
    void peer.handle(request, (answer) => reply(answer, correlation));
  });
  await client.subscribeAsync(topics.request, { qos: 1 });
  options.logger.info({ request: topics.request, response: topics.response }, 'control over MQTT');
  return {
    close: async () => {
      peer.end();
      client.options.reconnectPeriod = 0;
      await tool.close();
    },
  };
}
