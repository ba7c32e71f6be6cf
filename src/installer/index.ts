// The installer's part of the hub: the join-progress stream, labels, the pairing policy, the local page.
export { JoinProgress, MAX_JOURNEYS, type JoinProgressEvents, type JoinProgressSources } from './join-progress.js';
export { describeStep, JOIN_FAILURE_WORDS, JOIN_PHASE_WORDS, JOIN_STAGE_WORDS, WHITELIST_ORIGIN_WORDS, type JoinFailure, type JoinHalf, type JoinJourney, type JoinProgressEvent, type JoinStage, type JourneyState } from './join-stages.js';
export { LabelError, labelOf, MAX_LABEL_LENGTH, parseLabel, typedLabel, type LabelArgs, type LabelFormat, type PairingLabel } from './label.js';
export { Pairing, PairingError, type HanDevice, type InstallerChannel, type InstallerMode, type LabelVerdict, type PairOutcome } from './pairing.js';
export { buildInstallerPage, InstallerPageError, startInstallerPage, type InstallerPage, type InstallerPageOptions } from './page/server.js';
export { SESSION_COOKIE } from './page/sessions.js';
