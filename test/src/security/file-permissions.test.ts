import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type HubConfig } from '../../../src/config.js';
import {
  checkNoExposedSecrets,
  checkPrivateFiles,
  checkStartupFiles,
  environmentForDump,
  exposedSecrets,
  FilePermissionError,
  privateFileProblem,
  startupFiles,
} from '../../../src/security/file-permissions.js';
import { FileSecureElement } from '../../../src/security/file-secure-element.js';
import { tempDir } from '../store/helpers.js';

async function rejection(promise: Promise<unknown>): Promise<FilePermissionError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FilePermissionError);
  return error as FilePermissionError;
}

async function hubFiles(modes: { config: number; key: number; wanKey: number }) {
  const dir = await tempDir('hub-perm-');
  const state = join(dir, 'state');
  await FileSecureElement.open({ stateDir: state });
  const configPath = join(dir, 'hub.yaml');
  const wanKey = join(dir, 'client.key');
  await writeFile(configPath, `store:\n  path: ${state}\nwan:\n  password: broker-secret-9\n`);
  await writeFile(wanKey, 'not really a key');
  await chmod(configPath, modes.config);
  await chmod(join(state, 'keys.json'), modes.key);
  await chmod(wanKey, modes.wanKey);
  const config: HubConfig = { ...structuredClone(DEFAULT_CONFIG), store: { path: state }, wan: { ...DEFAULT_CONFIG.wan, key: wanKey, cert: wanKey, password: 'broker-secret-9' } };
  return { config, configPath, keyFile: join(state, 'keys.json'), wanKey };
}

describe('private files', () => {
  it('allow only the owner: every group or other bit is a problem, with the chmod that fixes it', () => {
    for (const mode of [0o600, 0o400, 0o700, 0o100600]) expect(privateFileProblem(mode, '/x')).toBeUndefined();
    for (const mode of [0o640, 0o604, 0o620, 0o602, 0o644, 0o666, 0o610, 0o100644]) {
      const problem = privateFileProblem(mode, '/etc/hub/hub.yaml', 'the configuration file');
      expect(problem).toMatch(/^the configuration file is readable or writable by group or others \(mode \d{3}\); fix it with: chmod 600 "\/etc\/hub\/hub.yaml"$/);
    }
  });

  it('let the hub start when the config, keys.json and the MQTT key are 0600', async () => {
    const files = await hubFiles({ config: 0o600, key: 0o600, wanKey: 0o400 });
    await checkStartupFiles(files.config, files.configPath);
    expect(startupFiles(files.config, files.configPath).map((f) => f.path)).toEqual([files.configPath, files.keyFile, files.wanKey]);
  });

  it('refuse to start naming every file that is too open and the fix for each, never its content', async () => {
    const files = await hubFiles({ config: 0o644, key: 0o640, wanKey: 0o604 });
    const error = await rejection(checkStartupFiles(files.config, files.configPath));
    expect(error.code).toBe('FILE_TOO_OPEN');
    expect(error.message).toContain(`chmod 600 ${JSON.stringify(files.configPath)}`);
    expect(error.message).toContain(`chmod 600 ${JSON.stringify(files.keyFile)}`);
    expect(error.message).toContain(`chmod 600 ${JSON.stringify(files.wanKey)}`);
    expect(error.message).toMatch(/mode 644[\s\S]*mode 640[\s\S]*mode 604/);
    expect(error.message).not.toContain('broker-secret-9');
  });

  it('share one rule with the file-backed SecureElement, which refuses an open keys.json', async () => {
    const files = await hubFiles({ config: 0o600, key: 0o644, wanKey: 0o600 });
    const refused = await FileSecureElement.open({ stateDir: files.config.store.path }).then(
      () => undefined,
      (e: unknown) => e as Error & { code: string },
    );
    expect(refused?.code).toBe('SE_KEYFILE_TOO_OPEN');
    expect(refused?.message).toContain(privateFileProblem(0o100644, files.keyFile, 'the key file'));
  });

  it('skip an optional file that does not exist yet, and report a required one that is missing', async () => {
    const dir = await tempDir('hub-perm-');
    await checkPrivateFiles([{ path: join(dir, 'keys.json'), what: 'the key file', optional: true }]);
    const error = await rejection(checkPrivateFiles([{ path: join(dir, 'client.key'), what: 'wan.key' }]));
    expect(error.message).toMatch(/cannot check wan.key: file not found/);
  });
});

describe('secrets outside files', () => {
  it('finds a config secret in argv or the environment, naming the place and not the secret', () => {
    const secret = 'broker-secret-9';
    const places = exposedSecrets([secret, ''], ['node', 'hub', `--password=${secret}`], { PATH: '/bin', MQTT_PASS: secret, OTHER: 'x' });
    expect(places).toEqual(['argv[2]', 'env.MQTT_PASS']);
    expect(() => checkNoExposedSecrets([secret], ['node', 'hub', 'start'], { PATH: '/bin' })).not.toThrow();
    try {
      checkNoExposedSecrets([secret], ['node', 'hub'], { MQTT_PASS: secret });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'SECRET_EXPOSED' });
      expect((error as Error).message).toContain('env.MQTT_PASS');
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('dumps the environment with secret-looking variables hidden', () => {
    const dump = environmentForDump({ PATH: '/bin', HUB_PIN: '482910', MQTT_PASSWORD: 'p', API_TOKEN: 't', GAS_MPRN: '7654321', HUB_LOG_LEVEL: 'info', EMPTY: undefined });
    expect(dump).toEqual({ PATH: '/bin', HUB_PIN: '[hidden]', MQTT_PASSWORD: '[hidden]', API_TOKEN: '[hidden]', GAS_MPRN: '[hidden]', HUB_LOG_LEVEL: 'info' });
  });
});
