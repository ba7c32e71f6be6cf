import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../hal/clock.js';
import { LinkRig } from '../src/wan/rig.js';
import { Subscriber } from '../src/wan/subscriber.js';
import { startTestBroker, type TestBroker } from '../src/wan/test-broker.js';
import { makeTlsFiles, type TlsFiles } from '../src/wan/tls-fixture.js';

/**
 * The WAN link's TLS against a broker that wants a client certificate: certificates are made at
 * test time (a CA, the broker's, the hub's, and a stranger's from another CA), never committed.
 */
let tls: TlsFiles;
let broker: TestBroker;
const rigs: LinkRig[] = [];

beforeAll(async () => {
  tls = await makeTlsFiles();
  broker = await startTestBroker({ tls: { ca: tls.ca, cert: tls.serverCert, key: tls.serverKey }, login: { username: 'hub', password: 'hub-secret' } });
  if (broker.kind !== 'mosquitto') console.warn('wan-tls: mosquitto is not installed; running against the embedded broker over TLS');
});
afterAll(async () => {
  for (const rig of rigs) await rig.dispose();
  await broker.dispose();
});

async function attempt(settings: Partial<Parameters<typeof LinkRig.create>[0]>) {
  const rig = await LinkRig.create({ broker: broker.url, ca: tls.ca, username: 'hub', password: 'hub-secret', ...settings }, { clock: new ManualClock() });
  rigs.push(rig);
  const outcome = Promise.race([rig.next('connected').then(() => undefined), rig.next('retrying').then(([error]) => error)]);
  await rig.link.start();
  return { rig, error: await outcome };
}

describe('WAN over mqtts:// with a client certificate', () => {
  it('is accepted with the right client certificate and key, and carries alerts', async () => {
    const { rig, error } = await attempt({ cert: tls.clientCert, key: tls.clientKey });
    expect(error).toBeUndefined();
    expect(rig.link.state).toBe('connected');
    const head = await Subscriber.connect(broker.url, [rig.link.topics.alert], {
      ca: await readFile(tls.ca),
      cert: await readFile(tls.clientCert),
      key: await readFile(tls.clientKey),
      username: 'hub',
      password: 'hub-secret',
    });
    try {
      await rig.link.publishUpstream('alert', Buffer.from('dd00000001', 'hex'));
      const [alert] = await head.until((r) => r.length > 0);
      expect(alert!.payload.toString('hex')).toBe('dd00000001');
    } finally {
      await head.close();
    }
  });

  it("is refused with a client certificate from a CA the broker does not trust, and the error says it is the hub's certificate", async () => {
    const { rig, error } = await attempt({ cert: tls.strangerCert, key: tls.strangerKey });
    expect(rig.link.state).toBe('waiting');
    if (broker.kind !== 'mosquitto') {
      // Node's TLS server checks the client certificate after the handshake and closes without an alert to name.
      expect(error?.code).toMatch(/^WAN_(TLS_CLIENT_CERT|UNREACHABLE)$/);
      return;
    }
    expect(error?.code).toBe('WAN_TLS_CLIENT_CERT');
    expect(error?.message).toMatch(/the broker refused the hub's client certificate \(.*unknown ca.*\): check that wan\.cert and wan\.key/);
  });

  it('is refused with no client certificate at all, saying the same', async () => {
    const { error } = await attempt({});
    expect(error?.code).toBe('WAN_TLS_CLIENT_CERT');
  });

  it("refuses a broker whose certificate the configured CA did not issue, and says it is the broker's certificate", async () => {
    const { error } = await attempt({ ca: tls.strangerCa, cert: tls.clientCert, key: tls.clientKey });
    expect(error?.code).toBe('WAN_TLS_BROKER_CERT');
    expect(error?.message).toMatch(/the broker's certificate is not trusted .*wan\.ca/);
  });

  it('says when the key is not the certificate\'s', async () => {
    const { error } = await attempt({ cert: tls.clientCert, key: tls.strangerKey });
    expect(error?.code).toBe('WAN_TLS_CLIENT_CERT');
    expect(error?.message).toMatch(/wan\.key is the key of wan\.cert/);
  });

  it('says when the login is refused over TLS', async () => {
    const { error } = await attempt({ cert: tls.clientCert, key: tls.clientKey, password: 'not-it' });
    expect(error?.code).toBe('WAN_LOGIN_REFUSED');
  });
});
