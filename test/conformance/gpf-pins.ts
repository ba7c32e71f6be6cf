import type { ManualClock } from '../../hal/clock.js';
import { decodeMessage } from '../../src/gbcs/index.js';
import { CLUSTER_ID, decodeGbz, encodeGbz, type GbzComponent, type GbzPayload, type ZclFields } from '../../src/gbcs/payload/gbz/index.js';
import { GasProxyData, GpfDeviceLog } from '../../src/gpf/index.js';
import type { Outcome } from '../../src/hub/router.js';
import { openHubLogs } from '../../src/logs/hub-logs.js';
import { PIN_DOMAIN, PinStore } from '../../src/security/pin-store.js';
import type { Store } from '../../src/store/index.js';
import { TEST_SCRYPT } from '../src/security/pin-helpers.js';
import { ConformanceHub } from './harness.js';

/**
 * A conformance hub whose GPF holds the hub's PIN store (on the hub's own store and Security Log),
 * and GCS11 commands for it: the RTDS sends GCS11 to the GSME, so its payload is built here with
 * the same fields (Device Management, Request New Password Response, the consumer-menu password
 * emptied, now).
 */
export const GCS11_CODE = 0x0073;

export interface PinHub {
  harness: ConformanceHub;
  pins: PinStore;
}

export async function openPinHub(options: { withPins?: boolean } = {}): Promise<PinHub> {
  let pins: PinStore | undefined;
  const harness = await ConformanceHub.open({
    domains: [{ name: PIN_DOMAIN, personal: true }],
    extras: async (store: Store, clock: ManualClock) => {
      const logs = await openHubLogs(store, clock);
      pins = await PinStore.open(store, { clock, securityLog: logs.securityLog, scrypt: TEST_SCRYPT });
      const gpf = { data: await GasProxyData.open(store), deviceLog: await GpfDeviceLog.open(store), ...(options.withPins === false ? {} : { pins }) };
      return { logs, gpf };
    },
  });
  return { harness, pins: pins! };
}

/** `body` replaces the command's (to send some other command in its place). */
export function gcs11Payload(fields: Partial<ZclFields> = {}, zcl: Partial<GbzComponent['zcl']> = {}, body?: GbzComponent['body']): Buffer {
  return encodeGbz({
    gbz: 'components',
    profileId: 0x0109,
    components: [{
      control: 0x01,
      clusterId: CLUSTER_ID.deviceManagement,
      zcl: { frameControl: 0x09, sequence: 0, commandId: 0x02, ...zcl },
      body: body ?? {
        kind: 'command',
        name: 'Request New Password Response',
        fields: { issuerEventId: 0x1c374a80, implementationDateTime: 0, durationInMinutes: 0, passwordType: 0x02, password: Buffer.alloc(0), ...fields } as ZclFields,
      },
    }],
  });
}

/** The single default response a GCS11 is answered with. */
export function gcs11Answer(outcome: Outcome): GbzComponent {
  if (outcome.kind !== 'answered') throw new Error(`expected an answer, the hub ${outcome.kind === 'dropped' ? `dropped it (${outcome.refusal.code})` : 'relayed it'}`);
  const payload = decodeGbz(decodeMessage(outcome.response).payload, { alert: false }) as Extract<GbzPayload, { gbz: 'components' }>;
  if (payload.components.length !== 1) throw new Error(`expected one component, got ${payload.components.length}`);
  return payload.components[0]!;
}
