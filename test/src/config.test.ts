import { mkdtemp, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, loadConfig, parseConfig } from '../../src/config.js';

describe('config', () => {
  it('gives the simulator defaults when there is no file', async () => {
    const config = await loadConfig(undefined);
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(config.radio.port).toBe('sim');
  });

  it('merges given keys over the defaults', () => {
    const config = parseConfig('radio:\n  port: /dev/ttyUSB0\n  baudRate: 115200\nnetwork:\n  channel: 15\n', 'hub.yaml');
    expect(config.radio).toEqual({ port: '/dev/ttyUSB0', baudRate: 115200 });
    expect(config.network.channel).toBe(15);
    expect(config.store.path).toBe(DEFAULT_CONFIG.store.path);
  });

  it('takes a named board as a real radio: no simulator port stands in for the board\'s', () => {
    expect(parseConfig('radio:\n  board: rpi4b\n', 'hub.yaml').radio).toEqual({ board: 'rpi4b' });
    expect(parseConfig('radio:\n  board: rpi4b\n  port: /dev/ttyUSB0\n', 'hub.yaml').radio).toEqual({ board: 'rpi4b', port: '/dev/ttyUSB0' });
    expect(parseConfig('radio:\n  baudRate: 115200\n', 'hub.yaml').radio).toEqual({ port: 'sim', baudRate: 115200 });
  });

  it('names the file, the key path and what was expected', () => {
    expect(() => parseConfig('network:\n  channel: 30\n', 'hub.yaml')).toThrowError(
      /hub\.yaml: network\.channel must be <= 26/,
    );
    expect(() => parseConfig('radio:\n  flowControl: maybe\n', 'hub.yaml')).toThrowError(
      /radio\.flowControl must be one of hardware, software, none/,
    );
    expect(() => parseConfig('radio:\n  prot: /dev/ttyS0\n', 'hub.yaml')).toThrowError(/radio\.prot is not a known setting/);
  });

  it('reports a YAML syntax error with its line', () => {
    try {
      parseConfig('radio:\n  port: [unclosed\n', 'hub.yaml');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe('CONFIG_SYNTAX');
      expect((error as ConfigError).message).toMatch(/^hub\.yaml:\d+:\d+: not valid YAML/);
    }
  });

  it('says when the file is missing or unreadable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-config-'));
    await expect(loadConfig(join(dir, 'absent.yaml'))).rejects.toThrowError(/absent\.yaml: file not found/);
    const locked = join(dir, 'locked.yaml');
    await writeFile(locked, 'log: {level: info}\n');
    await chmod(locked, 0o000);
    // root reads anything; only assert the refusal where the permission bit is honoured.
    if (process.getuid?.() !== 0) {
      await expect(loadConfig(locked)).rejects.toThrowError(/permission denied/);
    }
  });
  describe('wan', () => {
    it('defaults to no broker (the embedded one), the gbcs prefix and the outbox quota', async () => {
      const config = await loadConfig(undefined);
      expect(config.wan.broker).toBeUndefined();
      expect(config.wan).toMatchObject({ topicPrefix: 'gbcs', outboxMaxMessages: 10_000, outboxMaxBytes: 16 * 1024 * 1024, outboxAlarmPercent: 80 });
    });

    it('takes a TLS broker with a client certificate and a login, keeping the defaults it does not name', () => {
      const config = parseConfig(
        'wan:\n  broker: mqtts://broker.example:8883\n  username: hub\n  password: secret\n  ca: /etc/hub/ca.pem\n  cert: /etc/hub/hub.pem\n  key: /etc/hub/hub.key\n  outboxMaxMessages: 500\n',
        'hub.yaml',
      );
      expect(config.wan).toMatchObject({ broker: 'mqtts://broker.example:8883', username: 'hub', ca: '/etc/hub/ca.pem', cert: '/etc/hub/hub.pem', key: '/etc/hub/hub.key', outboxMaxMessages: 500, topicPrefix: 'gbcs' });
    });

    it('refuses a broker that is not an MQTT URL, a prefix with wildcards, a cert without its key and quotas out of range, naming each', () => {
      expect(() => parseConfig('wan:\n  broker: http://broker:1883\n', 'hub.yaml')).toThrowError(/hub\.yaml: wan\.broker must match pattern/);
      expect(() => parseConfig('wan:\n  topicPrefix: gbcs/#\n', 'hub.yaml')).toThrowError(/wan\.topicPrefix must match pattern/);
      expect(() => parseConfig('wan:\n  cert: hub.pem\n', 'hub.yaml')).toThrowError(/wan must have property key when property cert is present/);
      expect(() => parseConfig('wan:\n  outboxAlarmPercent: 100\n', 'hub.yaml')).toThrowError(/wan\.outboxAlarmPercent must be <= 99/);
      expect(() => parseConfig('wan:\n  outboxMaxMessages: 0\n', 'hub.yaml')).toThrowError(/wan\.outboxMaxMessages must be >= 1/);
      expect(() => parseConfig('wan:\n  brokr: mqtt://x\n', 'hub.yaml')).toThrowError(/wan\.brokr is not a known setting/);
    });
  });

  it('turns any text into a config or a ConfigError, never another kind of failure', () => {
    const yamlish = fc.oneof(
      fc.string(),
      fc.constantFrom('*!', '&a [*a]', 'radio: *x', '? [a]\n: b', 'radio:\n  port: !!binary x', '%YAML 9\n---\n'),
      fc.array(fc.constantFrom('radio:', '  port: ', 'sim', '\n', '*', '&', '!', '[', '{', '- ', 'network:', '  channel: 11'), { maxLength: 12 }).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(yamlish, (text) => {
        try {
          const config = parseConfig(text, 'fuzz.yaml');
          // A radio is always said: a port, or a board whose port is looked up at start.
          expect(typeof (config.radio.port ?? config.radio.board)).toBe('string');
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).message).toMatch(/^fuzz\.yaml/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
