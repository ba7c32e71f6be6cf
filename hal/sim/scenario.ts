import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parseDocument } from 'yaml';
import { HubError } from '../errors.js';
import { parseEui64 } from '../eui64.js';
import { InstallCodeError, parseInstallCode } from '../install-code.js';
import type { Eui64 } from '../radio.js';
import { SCENARIO_SCHEMA } from './scenario-schema.js';
import { schemaProblems } from './schema-problems.js';

/**
 * A scenario describes the simulated HAN: the NCP's own identity and radio surroundings, the
 * devices that may try to join, and the faults to inject. It is YAML, checked against a schema,
 * and every error names the file and the key path so a tester can fix it without reading code.
 */
export const DEVICE_TYPES = ['ESME', 'GSME', 'PPMID', 'IHD', 'HCALCS', 'CAD'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

export interface DeviceSpec {
  name: string;
  eui64: Eui64;
  type: DeviceType;
  /** The install code the device itself holds (hex, code + CRC). */
  installCode: string;
  /** The install code the hub is told about; differs from `installCode` for an intruder. */
  declaredInstallCode: string;
  /**
   * In the hub's Device Log from the start (`hub start` adds it). One that is not waits for a head
   * end's CCS01; like a meter just powered up, it asks to join whenever joining opens with its key.
   */
  commissioned: boolean;
  sleepy: boolean;
  /** For a sleepy device: how often it wakes and polls its parent. */
  wakeIntervalSeconds: number;
  /** How long a sleepy device stays awake after a poll, taking anything its parent holds. */
  awakeSeconds: number;
  lqi: number;
  rssi: number;
}

export interface NetworkDefaults {
  /** The NCP's own EUI-64. */
  eui64: Eui64;
  channel: number;
  panId: number;
  extendedPanId: string;
  radioTxPower: number;
  /** Energy (dBm) an energy scan reads per 2.4 GHz channel; unlisted channels read `quietEnergy`. */
  energy: Record<number, number>;
  quietEnergy: number;
  /** GB dual-band hubs also scan the 868 MHz band (pages 28..31). Off unless set. */
  dualBand: boolean;
  subGhzEnergy: Record<number, number>;
}

export interface ApsSettings {
  /** Attempts a device makes to get one message to the hub before recording a failure. */
  retries: number;
  /** Messages a device has on their way to the hub at once (EmberZNet allows several APS unicasts in flight). */
  window: number;
  retryIntervalMs: number;
  /** How long the NCP holds a message for a sleepy child before reporting failure. */
  indirectTimeoutMs: number;
  /** How long a device with the wrong key tries before the trust centre reports the timeout. */
  keyEstablishmentTimeoutMs: number;
}

export type FaultDirection = 'toHost' | 'toNcp';

export interface FaultSettings {
  seed: number;
  /** Corrupt one byte in N on the wire (0 = never). */
  corruptOneIn: number;
  /** Drop one byte in M on the wire (0 = never). */
  dropOneIn: number;
  /** Send one ASH frame in K twice (0 = never). */
  duplicateOneIn: number;
  /** Which directions the byte faults hit. */
  directions: FaultDirection[];
  /** Delay every EZSP response and callback by this much. */
  delayMs: number;
  /** Reset the NCP once, after it has handled this many EZSP frames from the host (0 = never). */
  resetAfterFrames: number;
}

export interface Scenario {
  /** Where the scenario came from, for messages. */
  source: string;
  network: NetworkDefaults;
  aps: ApsSettings;
  faults: FaultSettings;
  devices: DeviceSpec[];
}

export class ScenarioError extends HubError {}

export const DEFAULT_SCENARIO_PATH = fileURLToPath(new URL('./scenarios/default.yaml', import.meta.url));

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(SCENARIO_SCHEMA);

type Raw = {
  network?: Partial<Omit<NetworkDefaults, 'eui64'>> & { eui64?: string };
  aps?: Partial<ApsSettings>;
  faults?: Partial<FaultSettings>;
  devices: Array<Partial<DeviceSpec> & { name: string; eui64: string; type: DeviceType; installCode: string }>;
};

/** Parse and validate scenario YAML; `source` names the file in every error. */
export function parseScenario(text: string, source: string): Scenario {
  // logLevel error: a key that is itself a collection is refused below as an unknown setting, not warned about on the process's stderr.
  const document = parseDocument(text, { prettyErrors: true, logLevel: 'error' });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const line = first.linePos?.[0];
    const where = line ? `${source}:${line.line}:${line.col}` : source;
    throw new ScenarioError('SCENARIO_SYNTAX', `not valid YAML: ${first.message.split('\n')[0]}`, { where });
  }
  let raw: unknown;
  try {
    raw = document.toJS() ?? {};
  } catch (error) {
    // The parser accepts some documents it cannot turn into values (an alias to no anchor).
    throw new ScenarioError('SCENARIO_SYNTAX', `not valid YAML: ${error instanceof Error ? error.message : String(error)}`, { where: source });
  }
  if (!validate(raw)) {
    const problems = schemaProblems(validate.errors, { topLevel: '(top level)', unknownKey: 'setting' });
    throw new ScenarioError('SCENARIO_INVALID', problems.join('; '), { where: source });
  }
  return build(raw as Raw, source);
}

function invalid(source: string, path: string, message: string): ScenarioError {
  return new ScenarioError('SCENARIO_INVALID', `${path} ${message}`, { where: source });
}

function numberKeys(map: Record<string, number> | undefined): Record<number, number> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [Number(k), v]));
}

function checkedInstallCode(text: string, source: string, path: string): string {
  try {
    return parseInstallCode(text, path).toString('hex').toUpperCase();
  } catch (error) {
    if (error instanceof InstallCodeError) throw invalid(source, path, error.message.slice(path.length + 2));
    throw error;
  }
}

function build(raw: Raw, source: string): Scenario {
  const seen = new Map<Eui64, string>();
  const names = new Set<string>();
  const devices = raw.devices.map((d, i): DeviceSpec => {
    const at = `devices[${i}]`;
    const eui64 = parseEui64(d.eui64, `${source} ${at}.eui64`);
    if (seen.has(eui64)) throw invalid(source, `${at}.eui64`, `repeats the EUI-64 of ${seen.get(eui64)}`);
    if (names.has(d.name)) throw invalid(source, `${at}.name`, `"${d.name}" is used by another device`);
    seen.set(eui64, d.name);
    names.add(d.name);
    if (d.sleepy && d.wakeIntervalSeconds === undefined) {
      throw invalid(source, `${at}.wakeIntervalSeconds`, 'is required for a sleepy device');
    }
    const installCode = checkedInstallCode(d.installCode, source, `${at}.installCode`);
    return {
      name: d.name,
      eui64,
      type: d.type,
      installCode,
      declaredInstallCode: d.declaredInstallCode ? checkedInstallCode(d.declaredInstallCode, source, `${at}.declaredInstallCode`) : installCode,
      commissioned: d.commissioned ?? true,
      sleepy: d.sleepy ?? false,
      wakeIntervalSeconds: d.wakeIntervalSeconds ?? 0,
      awakeSeconds: d.awakeSeconds ?? 2,
      lqi: d.lqi ?? 255,
      rssi: d.rssi ?? -45,
    };
  });
  const network = raw.network ?? {};
  return {
    source,
    network: {
      eui64: parseEui64(network.eui64 ?? '00DB123456789000', `${source} network.eui64`),
      channel: network.channel ?? 11,
      panId: network.panId ?? 0x1a62,
      extendedPanId: (network.extendedPanId ?? '00DB123456789000').toUpperCase(),
      radioTxPower: network.radioTxPower ?? 8,
      energy: numberKeys(network.energy),
      quietEnergy: network.quietEnergy ?? -95,
      dualBand: network.dualBand ?? false,
      subGhzEnergy: numberKeys(network.subGhzEnergy),
    },
    aps: {
      retries: raw.aps?.retries ?? 40,
      window: raw.aps?.window ?? 4,
      retryIntervalMs: raw.aps?.retryIntervalMs ?? 250,
      indirectTimeoutMs: raw.aps?.indirectTimeoutMs ?? 7680,
      keyEstablishmentTimeoutMs: raw.aps?.keyEstablishmentTimeoutMs ?? 3000,
    },
    faults: {
      seed: raw.faults?.seed ?? 1,
      corruptOneIn: raw.faults?.corruptOneIn ?? 0,
      dropOneIn: raw.faults?.dropOneIn ?? 0,
      duplicateOneIn: raw.faults?.duplicateOneIn ?? 0,
      directions: raw.faults?.directions ?? ['toHost', 'toNcp'],
      delayMs: raw.faults?.delayMs ?? 0,
      resetAfterFrames: raw.faults?.resetAfterFrames ?? 0,
    },
    devices,
  };
}

/** Load a scenario file, or the built-in one when `path` is undefined. */
export async function loadScenario(path: string | undefined): Promise<Scenario> {
  const file = path ?? DEFAULT_SCENARIO_PATH;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : String(cause);
    throw new ScenarioError('SCENARIO_UNREADABLE', why, { where: file, cause });
  }
  return parseScenario(text, file);
}
