import type { Eui64 } from '../../hal/radio.js';
import type { Telemetry } from './telemetry.js';

/** What `hub wan status` found on the broker: the retained state and telemetry of one hub. */
export interface StatusReport {
  hub: Eui64;
  broker: string;
  /** The protocol this tool spoke to the broker. */
  protocolHere: '5' | '3.1.1';
  state: string | undefined;
  telemetry: Telemetry | undefined;
}

const row = (label: string, value: string) => `  ${label.padEnd(12)} ${value}`;

export function formatStatus(report: StatusReport): string {
  const lines = [`hub ${report.hub}: ${report.state ?? 'unknown'}`, row('broker', `${report.broker} (MQTT ${report.protocolHere} from here)`)];
  const t = report.telemetry;
  if (!t) return [...lines, row('telemetry', 'none retained yet')].join('\n');
  const wan = t.wan.connected ? `connected since ${t.wan.connectedSince ?? '?'} over MQTT ${t.wan.protocol ?? '?'}` : 'not connected';
  const lastError = t.wan.lastError ? `; last error ${t.wan.lastError.code}: ${t.wan.lastError.message}` : '';
  const o = t.outbox;
  const devices = t.han.devices.map((d) => `${d.eui64}${d.type ? ` ${d.type}` : ''} (last heard ${d.lastContact ?? 'never'}${d.linkKeyUnreadable ? ', TC link key unreadable' : ''})`);
  lines.push(
    row('as of', t.at),
    row('uptime', `${t.uptimeSeconds} s`),
    row('wan', `${wan}; ${t.wan.reconnects} reconnects; ${t.wan.commandsReceived} commands in, ${t.wan.messagesDelivered} messages out${lastError}`),
    row('outbox', `${o.depth} waiting (${o.bytes} bytes) of ${o.quota.maxMessages} messages / ${o.quota.maxBytes} bytes; ${o.level}${o.alarm ? ' (ALARM)' : ''}; ${o.refused} refused, ${o.expired} expired`),
    row('queues', Object.entries(t.queues).map(([name, depth]) => `${name} ${depth}`).join(', ') || 'none'),
    row('han', devices.length ? `${devices.length} devices: ${devices.join('; ')}` : 'no devices reported'),
  );
  const radio = Object.entries(t.radio);
  if (radio.length) lines.push(row('radio', radio.map(([k, v]) => `${k} ${String(v)}`).join(', ')));
  return lines.join('\n');
}
