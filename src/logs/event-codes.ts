/**
 * The events the hub records, as data. `code` is what the logs store; where GBCS has an alert or
 * event code for the event, `code` is that code, so an ECS35c/ECS35d response can carry it as is.
 * Events GBCS has no code for get hub-local codes from 0xE000, and `gbcsCode` says what a GBCS
 * read reports instead. `log` says which log the event belongs to: failed checks and anything that
 * changes the hub's security go to the Security Log, which no remote command can clear.
 */
export type LogName = 'event' | 'security';

export interface HubEvent {
  code: number;
  name: string;
  log: LogName;
  /** The code a GBCS log read reports (the same as `code` unless the event is hub-local). */
  gbcsCode?: number;
}

export const HUB_EVENTS = {
  // Security Log: authentication, authorisation and the hub's own integrity.
  trustedSourceAuthenticationFailure: { code: 0x8f3d, name: 'Trusted Source Authentication Failure', log: 'security' },
  unauthorisedCommunicationAccess: { code: 0x8f3e, name: 'Unauthorised Communication Access attempted', log: 'security' },
  failedAuthentication: { code: 0x8f53, name: 'Failed Authentication or Authorisation not covered by other codes', log: 'security' },
  sourceLacksAuthority: { code: 0x8f30, name: 'Source Does not have Authority for Command', log: 'security' },
  commandIntegrityFailed: { code: 0x8f1e, name: 'Integrity check of content or format of command failed', log: 'security' },
  unusualCommands: { code: 0x8f60, name: 'Unusual numbers of malformed, out-of-order or unexpected Commands received', log: 'security' },
  eventLogCleared: { code: 0x8f52, name: 'Event Log Cleared', log: 'security' },
  securityCredentialsUpdated: { code: 0x8f70, name: 'Update Security Credentials', log: 'security' },
  signingCertificateReplacementFailed: { code: 0x8f4c, name: "Device's own Digital Signing Certificate replacement failed", log: 'security' },
  signingCertificateReplaced: { code: 0x8f4d, name: "Device's own Digital Signing Certificate replacement succeeded", log: 'security' },
  keyAgreementCertificateReplacementFailed: { code: 0x8f4e, name: "Device's own Key Agreement Certificate replacement failed", log: 'security' },
  keyAgreementCertificateReplaced: { code: 0x8f4f, name: "Device's own Key Agreement Certificate replacement succeeded", log: 'security' },
  firmwareVerificationFailed: { code: 0x8f1c, name: 'Firmware Verification Failed', log: 'security' },
  firmwareVerificationFailedAtPowerOn: { code: 0x8f1b, name: 'Firmware Verification Failed At Power On', log: 'security' },
  firmwareVerified: { code: 0x8f72, name: 'Firmware Verification Successful', log: 'security' },
  executingFirmwareChanged: { code: 0x8f43, name: 'Change in the executing Firmware version', log: 'security' },
  replayDetected: { code: 0xe001, name: 'Command refused: originator counter not above the last accepted', log: 'security', gbcsCode: 0x8f53 },
  lockout: { code: 0xe002, name: 'Remote party locked out after repeated failures', log: 'security', gbcsCode: 0x8f60 },
  unauthorisedJoinAttempt: { code: 0xe003, name: 'Join refused: Device not in the CHF Device Log', log: 'security', gbcsCode: 0x8f3e },
  joinRefusedOutsideWindow: { code: 0xe004, name: 'Join refused: Device in the log joined outside its window or with the wrong key', log: 'security', gbcsCode: 0x8f3e },
  joinedWithoutAdmission: { code: 0xe005, name: 'Device joined without admission and was removed from the HAN', log: 'security', gbcsCode: 0x8f3e },
  wanOutboxNearQuota: { code: 0xe006, name: 'WAN outbox nearing its quota: upstream messages are waiting for the broker', log: 'security' },
  wanOutboxFull: { code: 0xe007, name: 'WAN outbox at its quota: new upstream messages are refused', log: 'security' },
  pinVerificationFailed: { code: 0xe008, name: 'Wrong engineering or privacy PIN entered', log: 'security', gbcsCode: 0x8f53 },
  pinLockedOut: { code: 0xe009, name: 'PIN entry locked out after repeated wrong PINs', log: 'security', gbcsCode: 0x8f53 },
  pinChanged: { code: 0xe00a, name: 'Engineering or privacy PIN set, changed or removed', log: 'security' },
  pinChangeRefused: { code: 0xe00b, name: 'PIN change refused: no proof of authority', log: 'security', gbcsCode: 0x8f30 },
  // GBCS files the CHF Device Log changing with the security events (the RTDS CHF Security Log holds it).
  chfDeviceLogChanged: { code: 0x8f12, name: 'CHF Device Log Changed', log: 'security' },
  restrictDataChanged: { code: 0xe010, name: 'GPF Restrict Data set or cleared by a local operator', log: 'security' },
  installerRequestRefused: { code: 0xe011, name: 'Installer page request refused: foreign origin or non-local interface', log: 'security', gbcsCode: 0x8f3e },
  deviceModelListRefused: { code: 0xe012, name: 'Allowed Device Model list refused: not signed by a trusted operator key, malformed, or older than the one held', log: 'security', gbcsCode: 0x8f3d },
  deviceModelListAccepted: { code: 0xe013, name: 'Allowed Device Model list replaced', log: 'security' },
  activationRefusedDeviceModel: { code: 0xe014, name: 'Firmware activation refused: its Device Model combination or downgrade is not on the allowed list', log: 'security', gbcsCode: 0x8f30 },

  // Event Log: what the hub did.
  immediateCommandActioned: { code: 0x8154, name: 'Immediate HAN Interface Command Received and Successfully Actioned', log: 'event' },
  immediateCommandNotActioned: { code: 0x8155, name: 'Immediate HAN Interface Command Received but not Successfully Actioned', log: 'event' },
  futureDatedCommandActioned: { code: 0x8f66, name: 'Future-date HAN Interface Command Successfully Actioned', log: 'event' },
  futureDatedCommandNotActioned: { code: 0x8f67, name: 'Future-date HAN Interface Command not Successfully Actioned', log: 'event' },
  gpfDeviceLogChanged: { code: 0x8071, name: 'GPF Device Log Changed', log: 'event' },
  deviceJoiningFailed: { code: 0x8f48, name: 'Device joining failed', log: 'event' },
  deviceJoiningSucceeded: { code: 0x8f49, name: 'Device joining succeeded', log: 'event' },
  deviceUnjoiningFailed: { code: 0x8f4a, name: 'Device Unjoining failed', log: 'event' },
  deviceUnjoiningSucceeded: { code: 0x8f4b, name: 'Device Unjoining succeeded', log: 'event' },
  firmwareTransferFailed: { code: 0x8f89, name: 'Firmware transfer alert FAIL', log: 'event' },
  firmwareTransferSucceeded: { code: 0x8f8a, name: 'Firmware transfer alert SUCCESS', log: 'event' },
  gsmeCommandNotRetrieved: { code: 0x819d, name: 'GSME Command Not Retrieved', log: 'event' },
  clockAdjusted: { code: 0x8145, name: 'Clock adjusted (within tolerance)', log: 'event' },
  clockNotAdjusted: { code: 0x81c6, name: 'Clock not adjusted (outside tolerance)', log: 'event' },
  subGhzChannelChanged: { code: 0x8f26, name: 'Sub GHz Channel Changed', log: 'event' },
  hubStarted: { code: 0xe101, name: 'Hub runtime started', log: 'event' },
  linkKeyUnreadable: { code: 0xe102, name: 'Device joined but its TC link key could not be read from the radio', log: 'event', gbcsCode: 0x8f48 },
  // Every installer action at the hub (`hub pair`, the installer page): what, which Device, through which channel.
  localDeviceAdded: { code: 0xe103, name: 'Device added to the CHF Device Log by an installer at the hub', log: 'event' },
  localJoinWindowOpened: { code: 0xe104, name: 'Join window opened by an installer at the hub', log: 'event' },
  localDeviceRemoved: { code: 0xe105, name: 'Device removed from the CHF Device Log by an installer at the hub', log: 'event' },
  localActionRefused: { code: 0xe106, name: 'Installer action at the hub refused', log: 'event' },
  installerSignedIn: { code: 0xe107, name: 'Installer signed in to the local page with the engineering PIN', log: 'event' },
  installerSignedOut: { code: 0xe108, name: 'Installer signed out of the local page, or the session expired', log: 'event' },
} as const satisfies Record<string, HubEvent>;

export type HubEventName = keyof typeof HUB_EVENTS;

/**
 * Names other layers report security events by (src/han's admission raises these), and the
 * table entry each one is logged as, so the Security Log can be handed to them as their sink.
 */
export const SECURITY_EVENT_ALIASES = {
  JOIN_REFUSED_NOT_IN_LOG: 'unauthorisedJoinAttempt',
  JOIN_REFUSED_OUTSIDE_WINDOW: 'joinRefusedOutsideWindow',
  JOINED_WITHOUT_ADMISSION: 'joinedWithoutAdmission',
  RECEIVE_ONLY_DEVICE_SENT: 'sourceLacksAuthority',
} as const satisfies Record<string, HubEventName>;
export type SecurityEventAlias = keyof typeof SECURITY_EVENT_ALIASES;

/** The numeric code for a code or an alias; undefined for an unknown alias. */
export function resolveCode(code: number | string): number | undefined {
  if (typeof code === 'number') return code;
  const name = (SECURITY_EVENT_ALIASES as Record<string, HubEventName>)[code];
  return name === undefined ? undefined : HUB_EVENTS[name].code;
}

const BY_CODE = new Map<number, HubEvent & { key: HubEventName }>(
  (Object.entries(HUB_EVENTS) as Array<[HubEventName, HubEvent]>).map(([key, event]) => [event.code, { ...event, key }]),
);

export function hubEventByCode(code: number): (HubEvent & { key: HubEventName }) | undefined {
  return BY_CODE.get(code);
}

/** GBCS's alert and event codes; those from 0xE000 are the hub's own. */
const GBCS_CODES = { first: 0x8000, firstHubLocal: 0xe000 } as const;

/** The code a GBCS read (ECS35c/ECS35d) reports for a stored code: a GBCS code as it is, a hub-local one as its table entry says (or not at all). */
export function gbcsCodeOf(code: number): number | undefined {
  if (code >= GBCS_CODES.first && code < GBCS_CODES.firstHubLocal) return code;
  return BY_CODE.get(code)?.gbcsCode;
}
