import { decodeMask, encodeMask, SUB_GHZ_PAGES, CHANNEL_PAGES, type SubGhzChannel } from './channel.js';
import { HECTO_PERCENT_FULL } from './constants.js';
import { SubGhzError } from './errors.js';

/**
 * The CHF Sub GHz Configuration (DLMS object 0-0:94.44.10.0): DBCH03 reads it, DBCH04 sets it,
 * DBCH09 reports it. On the wire it is a structure of four 32-bit channel masks (pages 28, 29, 30,
 * 31 in that order) followed by eleven integer settings; the positions and DLMS types below are
 * the ones the RTDS DBCH03/DBCH04/DBCH09 messages carry.
 *
 * What each setting means is in GBCS 10.6.2.3, which is not among this project's sources. The
 * settings the hub acts on are named for the role the GBCS alerts give them (the Normal-Limited and
 * Limited-Critical duty-cycle thresholds of alerts 0x8F21/0x8F23, the suspension a Limited Duty
 * Cycle action imposes, the frequency-agility limits of alert 0x8F2B) and are marked `provisional`;
 * the rest are carried, range-checked and re-encoded exactly, but nothing acts on them yet.
 */
export type SettingType = 'unsigned' | 'long-unsigned';

export interface SettingSpec {
  name: string;
  type: SettingType;
  unit: string;
  min: number;
  max: number;
  meaning: string;
  status: 'provisional' | 'unassigned';
}

const TYPE_MAX: Record<SettingType, number> = { unsigned: 0xff, 'long-unsigned': 0xffff };

const hectoPercent = { unit: '0.01 % of the hour', min: 1, max: HECTO_PERCENT_FULL } as const;

/** In wire order. */
export const SUB_GHZ_SETTINGS = [
  { name: 'normalLimitedThreshold', type: 'long-unsigned', ...hectoPercent, status: 'provisional',
    meaning: "the hub's own duty cycle at which it enters the Limited state and pauses its most talkative Device" },
  { name: 'limitedCriticalThreshold', type: 'long-unsigned', ...hectoPercent, status: 'provisional',
    meaning: "the hub's own duty cycle at which it enters the Critical state and pauses every Sub GHz Device" },
  { name: 'suspendPeriod', type: 'unsigned', unit: 'minutes', min: 1, max: 0xff, status: 'provisional',
    meaning: 'how long a Device is told to pause (the Zigbee Suspend ZCL Messages period, 1..255 minutes)' },
  { name: 'maxChannelChangesPerDay', type: 'long-unsigned', unit: 'changes', min: 0, max: 0xffff, status: 'provisional',
    meaning: 'channel changes allowed in any 24 hours; a scan that would exceed it keeps the channel (alert 0x8F2B)' },
  { name: 'unassigned5', type: 'unsigned', unit: 'unknown', min: 0, max: 0xff, status: 'unassigned', meaning: 'carried, not acted on' },
  { name: 'unassigned6', type: 'unsigned', unit: 'unknown', min: 0, max: 0xff, status: 'unassigned', meaning: 'carried, not acted on' },
  { name: 'minimumScanInterval', type: 'long-unsigned', unit: 'seconds', min: 0, max: 0xffff, status: 'provisional',
    meaning: 'a channel scan request (DBCH05) sooner than this after the last scan is refused (DBCH08)' },
  { name: 'unassigned8', type: 'unsigned', unit: 'unknown', min: 0, max: 0xff, status: 'unassigned', meaning: 'carried, not acted on' },
  { name: 'deviceDutyCycleLimit', type: 'long-unsigned', ...hectoPercent, status: 'provisional',
    meaning: "a Device's own duty cycle at which the hub pauses it (DBCH06)" },
  { name: 'unassigned10', type: 'long-unsigned', unit: 'unknown', min: 0, max: 0xffff, status: 'unassigned', meaning: 'carried, not acted on' },
  { name: 'unassigned11', type: 'long-unsigned', unit: 'unknown', min: 0, max: 0xffff, status: 'unassigned', meaning: 'carried, not acted on' },
] as const satisfies readonly SettingSpec[];

export type SettingName = (typeof SUB_GHZ_SETTINGS)[number]['name'];
export type SubGhzSettings = Record<SettingName, number>;

export interface SubGhzConfiguration {
  /** 32-bit masks for pages 28, 29, 30 and 31, in that order. */
  channelMasks: [number, number, number, number];
  settings: SubGhzSettings;
}

/** A DLMS integer as the payload codec hands it over (structurally the same as its TypedNumber). */
export interface TypedSetting {
  type: string;
  value: number;
}

/**
 * What a hub reports before any DBCH04: every channel allowed, Silicon Labs' example limits
 * (1.00 % limited, 1.80 % critical), the ETSI 1 % for a Device. Hub choice.
 */
export const DEFAULT_CONFIGURATION: SubGhzConfiguration = {
  channelMasks: [
    encodeMask(28, range(CHANNEL_PAGES[28].channels)),
    encodeMask(29, range(CHANNEL_PAGES[29].channels)),
    encodeMask(30, range(CHANNEL_PAGES[30].channels)),
    encodeMask(31, range(CHANNEL_PAGES[31].channels)),
  ],
  settings: {
    normalLimitedThreshold: 100,
    limitedCriticalThreshold: 180,
    suspendPeriod: 5,
    maxChannelChangesPerDay: 6,
    unassigned5: 0,
    unassigned6: 0,
    minimumScanInterval: 3600,
    unassigned8: 0,
    deviceDutyCycleLimit: 100,
    unassigned10: 0,
    unassigned11: 0,
  },
};

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

function invalid(message: string, where: string): SubGhzError {
  return new SubGhzError('SUB_GHZ_CONFIGURATION_INVALID', message, { where });
}

function checkMasks(value: unknown, where: string): [number, number, number, number] {
  if (!Array.isArray(value) || value.length !== SUB_GHZ_PAGES.length) {
    throw invalid(`expected ${SUB_GHZ_PAGES.length} channel masks (pages 28..31)`, `${where}.channelMasks`);
  }
  let allowed = 0;
  value.forEach((mask: unknown, i) => {
    const at = `${where}.channelMasks[${i}]`;
    const { page, channels } = decodeMask(mask as number, at);
    if (page !== SUB_GHZ_PAGES[i]) throw invalid(`mask ${i} must be for page ${SUB_GHZ_PAGES[i]}, not page ${page}`, at);
    allowed += channels.length;
  });
  if (allowed === 0) throw invalid('the masks allow no channel at all', `${where}.channelMasks`);
  return [value[0], value[1], value[2], value[3]] as [number, number, number, number];
}

function checkSetting(spec: SettingSpec, value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(`${String(value)} is not an integer`, where);
  const max = Math.min(spec.max, TYPE_MAX[spec.type]);
  if (value < spec.min || value > max) throw invalid(`${value} is outside ${spec.min}..${max} (${spec.unit})`, where);
  return value;
}

function checkRelations(settings: SubGhzSettings, where: string): void {
  if (settings.normalLimitedThreshold >= settings.limitedCriticalThreshold) {
    throw invalid(
      `the Normal-Limited threshold (${settings.normalLimitedThreshold}) must be below the Limited-Critical threshold (${settings.limitedCriticalThreshold})`,
      `${where}.settings.limitedCriticalThreshold`,
    );
  }
}

/** Checks a whole configuration (from the store, a DBCH04, a test); throws SUB_GHZ_* naming the field. */
export function checkConfiguration(value: unknown, where = 'configuration'): SubGhzConfiguration {
  if (typeof value !== 'object' || value === null) throw invalid('expected channel masks and settings', where);
  const input = value as { channelMasks?: unknown; settings?: unknown };
  const channelMasks = checkMasks(input.channelMasks, where);
  if (typeof input.settings !== 'object' || input.settings === null) throw invalid('expected the settings', `${where}.settings`);
  const given = input.settings as Record<string, unknown>;
  const unknown = Object.keys(given).filter((key) => !SUB_GHZ_SETTINGS.some((spec) => spec.name === key));
  if (unknown.length > 0) throw invalid(`unknown setting ${unknown[0]}`, `${where}.settings.${unknown[0]}`);
  const settings = {} as SubGhzSettings;
  for (const spec of SUB_GHZ_SETTINGS) settings[spec.name] = checkSetting(spec, given[spec.name], `${where}.settings.${spec.name}`);
  checkRelations(settings, where);
  return { channelMasks, settings };
}

/** From the DLMS value's parts: four masks and the settings as typed integers in wire order. */
export function configurationFromDlms(channelMasks: readonly number[], settings: readonly TypedSetting[], where = 'configuration'): SubGhzConfiguration {
  if (settings.length !== SUB_GHZ_SETTINGS.length) {
    throw invalid(`expected ${SUB_GHZ_SETTINGS.length} settings after the channel masks, got ${settings.length}`, `${where}.settings`);
  }
  const named: Record<string, number> = {};
  SUB_GHZ_SETTINGS.forEach((spec, i) => {
    const setting = settings[i] as TypedSetting;
    if (setting.type !== spec.type) throw invalid(`${spec.name} must be ${spec.type}, found ${setting.type}`, `${where}.settings[${i}]`);
    named[spec.name] = setting.value;
  });
  return checkConfiguration({ channelMasks: [...channelMasks], settings: named }, where);
}

export function configurationToDlms(configuration: SubGhzConfiguration): { channelMasks: number[]; settings: TypedSetting[] } {
  return {
    channelMasks: [...configuration.channelMasks],
    settings: SUB_GHZ_SETTINGS.map((spec) => ({ type: spec.type, value: configuration.settings[spec.name] })),
  };
}

/** Every channel the masks allow, page by page. */
export function allowedChannels(configuration: SubGhzConfiguration): SubGhzChannel[] {
  return configuration.channelMasks.flatMap((mask) => {
    const { page, channels } = decodeMask(mask);
    return channels.map((channel) => ({ page, channel }));
  });
}

export function sameConfiguration(a: SubGhzConfiguration, b: SubGhzConfiguration): boolean {
  return a.channelMasks.every((mask, i) => mask === b.channelMasks[i]) && SUB_GHZ_SETTINGS.every((spec) => a.settings[spec.name] === b.settings[spec.name]);
}
