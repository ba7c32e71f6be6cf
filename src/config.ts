import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject } from 'ajv';
import { parseDocument } from 'yaml';
import { HubError } from '../hal/errors.js';

/**
 * The hub's configuration file (YAML). Every key is optional: with no file at all the hub runs
 * against the simulated radio with an embedded broker, which is what a newcomer wants.
 */
export interface HubConfig {
  radio: {
    /** A profile in `boards/` (serial path, baud, flow control, reset line). */
    board?: string;
    /**
     * `sim` (start a simulated NCP), a serial device path, or `tcp://host:port`. Overrides the board's.
     * Unset with no board: `sim`. Unset with a board: the board's serial path.
     */
    port?: string;
    baudRate?: number;
    flowControl?: 'hardware' | 'software' | 'none';
    /** A dual-band radio (2.4 GHz and Sub GHz): the hub keeps a Sub GHz channel and answers DBCH01-05 from it. */
    dualBand?: boolean;
  };
  network: {
    channel?: number;
    panId?: number;
    extendedPanId?: string;
  };
  store: {
    path: string;
  };
  sim: {
    /** Scenario file describing the simulated HAN's devices; the built-in one when unset. */
    scenario?: string;
  };
  log: {
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  };
  wan: {
    /** `mqtt://host:1883` or `mqtts://host:8883` (also ws://, wss://). Unset: `hub start` runs an embedded broker. */
    broker?: string;
    /** Default `hub-<CHF EUI-64>`. */
    clientId?: string;
    username?: string;
    password?: string;
    /** PEM files: the CA that issued the broker's certificate, and the hub's client certificate and key. */
    ca?: string;
    cert?: string;
    key?: string;
    /** Topics are `<topicPrefix>/<CHF EUI-64>/<leaf>`. */
    topicPrefix: string;
    /** The outbox's quota on disk; the alarm goes off at `outboxAlarmPercent` of either. */
    outboxMaxMessages: number;
    outboxMaxBytes: number;
    outboxAlarmPercent: number;
    telemetrySeconds: number;
  };
  identity: {
    /** The GPF's EUI-64; by default the CHF's (the radio's) plus one, as hubs are numbered. */
    gpf?: string;
    /** ECS26n: the manufacturer identifier and model type the hub reports, as hex. */
    manufacturerId: string;
    modelType: string;
  };
  security: {
    /** A directory of remote parties' certificates (`<eui>-<ds|ka>.pem`) to trust from the start. */
    keystore?: string;
  };
  firmware: {
    /** The most octets of Upgrade Images held and on their way in at once. */
    quotaBytes: number;
    /** The Devices images may be sent for, by EUI-64: what an image's OTA header must match. */
    targets: Record<string, { manufacturerCode: number; imageType: number; hardwareVersion: number; unsigned?: boolean }>;
    /** The root of the hub's own A/B image slots; unset: the hub does not manage its own image. */
    slots?: string;
    /** How long a start on a new slot may take to reach its broker before it counts as failed. */
    trialSeconds: number;
  };
  control: {
    /** A PEM file with the lab head end's ECDSA P-256 public key; set, the control operations are served over MQTT to requests it signs. */
    headEndKey?: string;
  };
  installer: InstallerConfig;
}

/** Pairing at the hub (`hub pair`, the local page) and the page itself; see README "Pairing on the doorstep". */
export interface InstallerConfig {
  /**
   * `watch`: show and help pair Devices their supplier's CCS01 whitelisted (re-opening the window
   * CCS01 set); `local-add`: also add Devices at the hub, behind the engineering PIN (labs, prototypes).
   */
  mode: 'watch' | 'local-add';
  /** The join window a local add opens, and a re-open when the CCS01's is not known. */
  joinTimeoutSeconds: number;
  page: {
    enabled: boolean;
    /** One interface's address; a non-loopback one only with `allowNetwork`. */
    host: string;
    /** 0: a free port, printed at start. */
    port: number;
    allowNetwork: boolean;
    /** PEM files: with both, the page is served over HTTPS. */
    cert?: string;
    key?: string;
    /** A signed-in session ends this long after it began. */
    sessionMinutes: number;
  };
}

export const DEFAULT_CONFIG: HubConfig = {
  radio: { port: 'sim' },
  network: {},
  store: { path: './data' },
  sim: {},
  log: { level: 'info' },
  wan: { topicPrefix: 'gbcs', outboxMaxMessages: 10_000, outboxMaxBytes: 16 * 1024 * 1024, outboxAlarmPercent: 80, telemetrySeconds: 60 },
  identity: { manufacturerId: '0000', modelType: '0000' },
  security: {},
  firmware: { quotaBytes: 64 * 1024 * 1024, targets: {}, trialSeconds: 120 },
  control: {},
  installer: { mode: 'watch', joinTimeoutSeconds: 300, page: { enabled: false, host: '127.0.0.1', port: 8080, allowNetwork: false, sessionMinutes: 15 } },
};

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    radio: {
      type: 'object',
      additionalProperties: false,
      properties: {
        board: { type: 'string', minLength: 1 },
        port: { type: 'string', minLength: 1 },
        baudRate: { type: 'integer', enum: [57600, 115200, 230400, 460800, 921600] },
        flowControl: { type: 'string', enum: ['hardware', 'software', 'none'] },
        dualBand: { type: 'boolean' },
      },
    },
    network: {
      type: 'object',
      additionalProperties: false,
      properties: {
        channel: { type: 'integer', minimum: 11, maximum: 26 },
        panId: { type: 'integer', minimum: 0, maximum: 0xfffe },
        extendedPanId: { type: 'string', pattern: '^[0-9A-Fa-f]{16}$' },
      },
    },
    store: {
      type: 'object',
      additionalProperties: false,
      properties: { path: { type: 'string', minLength: 1 } },
    },
    sim: {
      type: 'object',
      additionalProperties: false,
      properties: { scenario: { type: 'string', minLength: 1 } },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      properties: { level: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] } },
    },
    wan: {
      type: 'object',
      additionalProperties: false,
      properties: {
        broker: { type: 'string', pattern: '^(mqtts?|wss?)://[^\\s/]+(/\\S*)?$' },
        clientId: { type: 'string', minLength: 1, maxLength: 128, pattern: '^\\S+$' },
        username: { type: 'string', minLength: 1 },
        password: { type: 'string' },
        ca: { type: 'string', minLength: 1 },
        cert: { type: 'string', minLength: 1 },
        key: { type: 'string', minLength: 1 },
        topicPrefix: { type: 'string', pattern: '^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$' },
        outboxMaxMessages: { type: 'integer', minimum: 1, maximum: 10_000_000 },
        outboxMaxBytes: { type: 'integer', minimum: 65_536, maximum: 2 ** 31 },
        outboxAlarmPercent: { type: 'integer', minimum: 1, maximum: 99 },
        telemetrySeconds: { type: 'integer', minimum: 5, maximum: 86_400 },
      },
      dependencies: { cert: ['key'], key: ['cert'] },
    },
    identity: {
      type: 'object',
      additionalProperties: false,
      properties: {
        gpf: { type: 'string', pattern: '^[0-9A-Fa-f]{16}$' },
        manufacturerId: { type: 'string', pattern: '^([0-9A-Fa-f]{2}){1,16}$' },
        modelType: { type: 'string', pattern: '^([0-9A-Fa-f]{2}){1,16}$' },
      },
    },
    security: {
      type: 'object',
      additionalProperties: false,
      properties: { keystore: { type: 'string', minLength: 1 } },
    },
    firmware: {
      type: 'object',
      additionalProperties: false,
      properties: {
        quotaBytes: { type: 'integer', minimum: 65_536, maximum: 2 ** 31 },
        slots: { type: 'string', minLength: 1 },
        trialSeconds: { type: 'integer', minimum: 5, maximum: 3600 },
        targets: {
          type: 'object',
          additionalProperties: false,
          patternProperties: {
            '^[0-9A-F]{16}$': {
              type: 'object',
              additionalProperties: false,
              required: ['manufacturerCode', 'imageType', 'hardwareVersion'],
              properties: {
                manufacturerCode: { type: 'integer', minimum: 0, maximum: 0xffff },
                imageType: { type: 'integer', minimum: 0, maximum: 0xffff },
                hardwareVersion: { type: 'integer', minimum: 0, maximum: 0xffff },
                unsigned: { type: 'boolean' },
              },
            },
          },
        },
      },
    },
    control: {
      type: 'object',
      additionalProperties: false,
      properties: { headEndKey: { type: 'string', minLength: 1 } },
    },
    installer: {
      type: 'object',
      additionalProperties: false,
      properties: {
        mode: { type: 'string', enum: ['watch', 'local-add'] },
        joinTimeoutSeconds: { type: 'integer', minimum: 1, maximum: 0xffff },
        page: {
          type: 'object',
          additionalProperties: false,
          properties: {
            enabled: { type: 'boolean' },
            // One address, never a wildcard: the page listens on the interface it is given and no other.
            host: { type: 'string', minLength: 1, not: { enum: ['0.0.0.0', '::', '*', ''] } },
            port: { type: 'integer', minimum: 0, maximum: 65535 },
            allowNetwork: { type: 'boolean' },
            cert: { type: 'string', minLength: 1 },
            key: { type: 'string', minLength: 1 },
            sessionMinutes: { type: 'integer', minimum: 1, maximum: 240 },
          },
          dependencies: { cert: ['key'], key: ['cert'] },
        },
      },
    },
  },
} as const;

export class ConfigError extends HubError {}

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(CONFIG_SCHEMA);

function keyPath(error: ErrorObject): string {
  const segments = error.instancePath.split('/').filter(Boolean);
  if (error.keyword === 'additionalProperties') {
    segments.push(String((error.params as { additionalProperty: string }).additionalProperty));
  }
  return segments.length ? segments.join('.') : '(top level)';
}

function describe(error: ErrorObject): string {
  switch (error.keyword) {
    case 'additionalProperties':
      return 'is not a known setting';
    case 'enum':
      return `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    default:
      return error.message ?? 'is not valid';
  }
}

/** Parse and validate YAML text; `source` names the file in every error. */
export function parseConfig(text: string, source: string): HubConfig {
  // logLevel error: a key that is itself a collection is refused below as an unknown setting, not warned about on the process's stderr.
  const document = parseDocument(text, { prettyErrors: true, logLevel: 'error' });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const line = first.linePos?.[0];
    const where = line ? `${source}:${line.line}:${line.col}` : source;
    throw new ConfigError('CONFIG_SYNTAX', `not valid YAML: ${first.message.split('\n')[0]}`, { where });
  }
  let raw: unknown;
  try {
    raw = document.toJS() ?? {};
  } catch (cause) {
    // YAML that parses but cannot become values (an alias to an anchor that does not exist).
    throw new ConfigError('CONFIG_SYNTAX', `not valid YAML: ${(cause as Error).message}`, { where: source, cause });
  }
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).map((e) => `${keyPath(e)} ${describe(e)}`);
    throw new ConfigError('CONFIG_INVALID', problems.join('; '), { where: source });
  }
  const given = raw as Partial<{ [K in keyof HubConfig]: Partial<HubConfig[K]> }>;
  const page = given.installer?.page;
  if (page?.host !== undefined && !page.allowNetwork && !isLoopbackAddress(page.host)) {
    throw new ConfigError('CONFIG_INVALID', `installer.page.host ${page.host} is not a loopback address: the installer page is local unless installer.page.allowNetwork is true`, { where: source });
  }
  return {
    // A named board is a real radio: the simulator default must not stand in for its port.
    radio: given.radio?.board === undefined ? { ...DEFAULT_CONFIG.radio, ...given.radio } : { ...given.radio },
    network: { ...DEFAULT_CONFIG.network, ...given.network },
    store: { ...DEFAULT_CONFIG.store, ...given.store },
    sim: { ...DEFAULT_CONFIG.sim, ...given.sim },
    log: { ...DEFAULT_CONFIG.log, ...given.log },
    wan: { ...DEFAULT_CONFIG.wan, ...given.wan },
    identity: { ...DEFAULT_CONFIG.identity, ...given.identity },
    security: { ...DEFAULT_CONFIG.security, ...given.security },
    firmware: { ...DEFAULT_CONFIG.firmware, ...given.firmware },
    control: { ...DEFAULT_CONFIG.control, ...given.control },
    installer: { ...DEFAULT_CONFIG.installer, ...given.installer, page: { ...DEFAULT_CONFIG.installer.page, ...given.installer?.page } },
  };
}

/** 127.0.0.0/8, ::1 and localhost: the addresses only this machine reaches. */
export function isLoopbackAddress(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host) || /^::ffff:127(\.\d{1,3}){3}$/i.test(host);
}

/** Load a config file, or the defaults when `path` is undefined. */
export async function loadConfig(path: string | undefined): Promise<HubConfig> {
  if (path === undefined) return structuredClone(DEFAULT_CONFIG);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : String(cause);
    throw new ConfigError('CONFIG_UNREADABLE', why, { where: path, cause });
  }
  return parseConfig(text, path);
}
