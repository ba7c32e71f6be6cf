import { EventEmitter } from 'node:events';
import type { Eui64 } from '../../hal/radio.js';
import { decodeMessage, GbcsAuthenticator, GbcsError, messageCodeEntry, routeOf, type GbcsMessage, type GroupingHeader, type MessageCodeEntry, type MessageRoute } from '../gbcs/index.js';
import { isBlockTransfer } from '../../hal/tunnel/block-transfer.js';
import { decodePayload, type DecodedPayload } from '../gbcs/payload/index.js';
import type { RemotePartyRole } from '../security/certificates.js';
import type { SecurityCredentials } from '../security/credentials.js';
import { ReplayError, type OriginatorCounters } from '../security/replay.js';
import { AlertError, AlertQueue, type SealedAlert } from './alert-queue.js';
import { Refusal, type RefusalReason } from './refusal.js';
import { Budget, RefusalRecorder } from './refusal-recorder.js';
import { checkRole } from './role-check.js';
import type { HandlerRegistry, HandlerContext, HubDevice, RemoteParty, UseCaseCommand, UseCaseHandler } from '../use-case/index.js';

/**
 * The request pipeline, in one direction: decode the envelope → route by recipient (a Device in
 * the Device Log is relayed untouched: its own keys authenticate it) → MAC and signature →
 * known Message Code → replay check → the party's certificate role → payload decode → the role
 * policy (src/security/role-policy.ts: user roles, supply arrangement, what the command acts on) →
 * accept the counter → the use case's handler → the response (signed for a critical command,
 * else MACed), then the alerts it caused.
 *
 * Every refusal happens before the counter is accepted and before a handler runs, so it leaves
 * the hub's state as it was, apart from the Security Log entry an attack earns.
 */
type Admission =
  | { kind: 'refused'; refusal: Refusal }
  | { kind: 'relay'; to: Eui64 }
  | { kind: 'execute'; device: HubDevice; handler: UseCaseHandler; command: UseCaseCommand; durable: Promise<void>; credentialsVersion: number };

type Routed = { kind: 'answered'; useCase: string; response: Buffer } | { kind: 'relayed'; to: Eui64; report: unknown };
export type Outcome = (Routed | { kind: 'dropped'; refusal: Refusal }) & { alerts: SealedAlert[] };

/** Where messages for Devices in the Device Log go (src/han/relay.ts's HanRelay). */
export interface RelayPort {
  relay(eui64: Eui64, gbcsBytes: Buffer): Promise<unknown>;
}

export interface RouterOptions {
  authenticator: GbcsAuthenticator;
  counters: OriginatorCounters;
  credentials: SecurityCredentials;
  registry: HandlerRegistry;
  /** The handler context without its alert sink: the router supplies that. */
  context: Omit<HandlerContext, 'alerts'>;
  relay?: RelayPort;
}

export interface RouterEvents {
  /** An alert raised outside any command (a Device joined, a log changed on its own). */
  alert: [alert: SealedAlert];
  refused: [refusal: Refusal];
}

export class HubRouter extends EventEmitter<RouterEvents> {
  readonly alerts: AlertQueue;
  private readonly context: HandlerContext;
  private readonly refusals: RefusalRecorder;
  private admitTail: Promise<unknown> = Promise.resolve();
  private unaddressedAlerts = 0;
  private executeTail: Promise<unknown> = Promise.resolve();
  private relayTail: Promise<unknown> = Promise.resolve();
  private readonly refusalWarnings = new Budget(60_000, REFUSAL_WARNINGS_PER_MINUTE);

  constructor(private readonly options: RouterOptions) {
    super();
    this.alerts = new AlertQueue({
      authenticator: options.authenticator,
      counters: options.counters,
      credentials: options.credentials,
      onLoose: (alert) => this.emit('alert', alert),
      onError: (error) => this.alertFailed(error),
    });
    this.context = { ...options.context, alerts: this.alerts, nextOwnCounter: () => options.counters.nextOwn() };
    this.refusals = new RefusalRecorder(options.context.chf.securityLog, options.context.clock);
  }

  /**
   * One message in, its outcome out, in arrival order. Admission (decode, authenticate, checks,
   * taking the counter) of a message may run while the one before waits for its counter to reach
   * the disk, so commands that arrive together share one disk flush; execution stays strictly
   * one at a time, each only once its own counter is durable. Relays keep their arrival order on a
   * chain of their own: anyone can send one (the hub cannot authenticate them), and a slow HAN must
   * not hold the hub's own commands back.
   */
  process(bytes: Uint8Array): Promise<Outcome> {
    const buffer = Buffer.from(bytes);
    const admitted = this.admitTail.then(() => this.admitOrRefuse(buffer));
    this.admitTail = admitted.then(
      () => undefined,
      () => undefined,
    );
    const executedBefore = this.executeTail;
    const run = admitted.then((admission) => (admission.kind === 'relay' ? this.relayInTurn(admission, buffer) : executedBefore.then(() => this.executeOrRefuse(admission, buffer))));
    this.executeTail = admitted.then((admission) => (admission.kind === 'relay' ? executedBefore : run)).then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** A relay after the relays before it; it raises no alerts, so it holds none of a command's. */
  private relayInTurn(admission: Extract<Admission, { kind: 'relay' }>, bytes: Buffer): Promise<Outcome> {
    const run = this.relayTail.then(async (): Promise<Outcome> => {
      try {
        return { ...(await this.relay(admission, bytes)), alerts: [] };
      } catch (error) {
        return { kind: 'dropped', refusal: await this.refuse(error, bytes), alerts: [] };
      }
    });
    this.relayTail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async admitOrRefuse(bytes: Buffer): Promise<Admission> {
    try {
      return await this.admit(bytes);
    } catch (error) {
      return { kind: 'refused', refusal: await this.refuse(error, bytes) };
    }
  }

  private async executeOrRefuse(admission: Admission, bytes: Buffer): Promise<Outcome> {
    if (admission.kind === 'refused') return { kind: 'dropped', refusal: admission.refusal, alerts: [] };
    this.alerts.hold();
    try {
      const routed = admission.kind === 'relay' ? await this.relay(admission, bytes) : await this.execute(admission);
      return { ...routed, alerts: await this.alerts.release() };
    } catch (error) {
      const refusal = await this.refuse(error, bytes);
      return { kind: 'dropped', refusal, alerts: await this.alerts.release() };
    }
  }

  private async refuse(error: unknown, bytes: Buffer): Promise<Refusal> {
    const refusal = error instanceof Refusal ? error : new Refusal('HANDLER_FAILED', 'the command could not be executed', { cause: error });
    await this.record(refusal, bytes);
    this.emit('refused', refusal);
    return refusal;
  }

  /** Everything that can refuse a command without changing state, then the counter taken. */
  private async admit(bytes: Buffer): Promise<Admission> {
    if (isBlockTransfer(bytes)) return this.admitBlock(bytes);
    const message = decodeEnvelope(bytes);
    const { header } = message;
    if (header.cra !== 'command') throw new Refusal('NOT_A_COMMAND', `a ${header.cra} is not something the hub executes`, { where: header.originator });
    const device = this.deviceFor(header.recipient);
    if (device === 'relay') return { kind: 'relay', to: header.recipient };
    const credentialsVersion = this.options.credentials.version;
    const { signatureVerified, remoteParty, entry, handler } = await this.authorise(message, device);
    const payload = decodeCommandPayload(message, handler);
    checkRole(this.options.context, { useCase: entry.useCase, messageCode: entry.code, device, party: remoteParty, payload });
    const durable = this.options.counters.accept(header.originator, header.originatorCounter).catch((error: unknown) => {
      throw error instanceof ReplayError ? new Refusal('REPLAYED', error.detail, { where: error.where, cause: error }) : error;
    });
    // Observed at once so a failed write is not reported as unhandled before execution awaits it.
    durable.catch(() => undefined);
    const command: UseCaseCommand = { message, header, entry, payload, remoteParty, signatureVerified };
    return { kind: 'execute', device, handler, command, durable, credentialsVersion };
  }

  /**
   * One block of a General Block Transfer goes, untouched, where its routing header says: the
   * Device it is for puts the message together and authenticates it. The hub's own commands come
   * whole.
   */
  private admitBlock(bytes: Buffer): Admission {
    const route = routeOrRefuse(bytes);
    if (route.cra !== 'command') throw new Refusal('NOT_A_COMMAND', `a ${route.cra} is not something the hub executes`, { where: route.originator });
    const device = this.deviceFor(route.recipient);
    if (device !== 'relay') throw new Refusal('MALFORMED', `the ${device} takes its commands whole, not in General Block Transfer blocks`, { where: route.recipient });
    return { kind: 'relay', to: route.recipient };
  }

  /** Authentication, the code, the replay check and the role: nothing here changes state. */
  private async authorise(message: GbcsMessage, device: HubDevice, replayCheck = true) {
    const { header } = message;
    const signatureVerified = await this.authenticate(message);
    const entry = messageCodeEntry(header.messageCode);
    if (!entry) throw new Refusal('UNKNOWN_MESSAGE_CODE', `message code 0x${hex4(header.messageCode)} is not one this hub knows`, { where: 'message code' });
    if (entry.alertOnly) throw new Refusal('UNKNOWN_MESSAGE_CODE', `${entry.useCase} is an alert, not a command`, { where: 'message code' });
    if (replayCheck) this.checkCounter(header);
    const handler = this.handlerFor(device, entry);
    const allowed = handler.rolesByCode?.get(entry.code) ?? handler.allowedRoles;
    const remoteParty = this.remotePartyOf(header, allowed);
    if (!allowed.includes(remoteParty.role)) {
      throw new Refusal('ROLE_NOT_ALLOWED', `a ${remoteParty.role} may not invoke ${entry.useCase}`, { where: remoteParty.eui });
    }
    if (entry.critical && !signatureVerified) throw new Refusal('SIGNATURE_MISSING', `${entry.useCase} is critical and the command is not signed`, { where: 'signature' });
    // The signature is the originator's: a critical command acts only for the party that signed it.
    if (entry.critical && remoteParty.eui !== header.originator) {
      throw new Refusal('ROLE_NOT_ALLOWED', `a critical command signed by ${header.originator} cannot act for ${remoteParty.eui}`, { where: remoteParty.eui });
    }
    return { signatureVerified, remoteParty, entry, handler };
  }

  private async relay(admission: { to: Eui64 }, bytes: Buffer): Promise<Routed> {
    // The command before may have changed the Device Log since this one was admitted.
    if (this.deviceFor(admission.to) !== 'relay') throw new Refusal('UNKNOWN_RECIPIENT', 'no longer a Device in the Device Log', { where: admission.to });
    const relay = this.options.relay;
    if (!relay) throw new Refusal('UNKNOWN_RECIPIENT', 'the hub has no HAN relay to reach this Device', { where: admission.to });
    return { kind: 'relayed', to: admission.to, report: await relay.relay(admission.to, bytes) };
  }

  private async execute(admission: Extract<Admission, { kind: 'execute' }>): Promise<Routed> {
    const { command, handler } = admission;
    await admission.durable;
    // The command before may have replaced trusted certificates since this one was authenticated.
    if (this.options.credentials.version !== admission.credentialsVersion) {
      // Its counter is already taken: check everything else again.
      const again = await this.authorise(command.message, admission.device, false);
      if (again.remoteParty.role !== command.remoteParty.role) throw new Refusal('ROLE_NOT_ALLOWED', 'the party\'s role changed', { where: command.remoteParty.eui });
    }
    // The command before may have changed the Device Log or the supply arrangement the policy read at admission.
    checkRole(this.context, { useCase: command.entry.useCase, messageCode: command.entry.code, device: admission.device, party: command.remoteParty, payload: command.payload });
    const result = await handler.handle(this.context, command);
    const unsealed = { header: responseHeader(command.header, result.dateTime, result.supplementaryOriginatorCounter), payload: result.payload };
    // GBCS answers a critical command signed by the Device, with no MAC: its sender may hold no Key
    // Agreement key (WAN provider, transitional CoS, root), and a CS02b may just have replaced the
    // one it has. Every command that changes trusted certificates is answered so (CS02b's
    // accessControlBrokerByACB comes MACed only), so a MACed answer is always MACed under the
    // certificates it was admitted with.
    const { authenticator } = this.options;
    const response = command.entry.signedResponse ? await authenticator.signed(unsealed) : await authenticator.seal({ ...unsealed, signature: 'empty' });
    return { kind: 'answered', useCase: command.entry.useCase, response };
  }

  private deviceFor(recipient: Eui64): HubDevice | 'relay' {
    const { identity, chf } = this.options.context;
    if (recipient === identity.chf) return 'CHF';
    if (recipient === identity.gpf) return 'GPF';
    if (chf.deviceLog.has(recipient)) return 'relay';
    throw new Refusal('UNKNOWN_RECIPIENT', 'neither this hub nor a Device in its Device Log', { where: recipient });
  }

  private async authenticate(message: GbcsMessage): Promise<boolean> {
    const { authenticator } = this.options;
    try {
      return await authenticator.verifyCommand(message);
    } catch (error) {
      if (error instanceof GbcsError && isAuthenticationCode(error.code)) throw new Refusal(error.code, error.detail, { where: error.where, cause: error });
      throw error;
    }
  }

  private checkCounter(header: GroupingHeader): void {
    try {
      this.options.counters.check(header.originator, header.originatorCounter);
    } catch (error) {
      if (error instanceof ReplayError) throw new Refusal('REPLAYED', error.detail, { where: error.where, cause: error });
      throw error;
    }
  }

  /**
   * The supplementary remote party when the Access Control Broker sends on a user's behalf, else the
   * originator, in the role of the trust anchor cell that holds it: its own, or, for a party trusted
   * in another role's cells too (the DCC's certificates before handover), that role where the
   * command is that role's to send (`allowed`).
   */
  private remotePartyOf(header: GroupingHeader, allowed: readonly RemotePartyRole[]): RemoteParty {
    const eui = header.supplementary?.remotePartyId ?? header.originator;
    const { credentials } = this.options;
    const own = credentials.roleOf(eui);
    if (!own) throw new Refusal('UNKNOWN_PARTY', 'no trusted certificate names this remote party', { where: eui });
    const role = allowed.includes(own) ? own : (credentials.rolesOf(eui).find((cell) => allowed.includes(cell)) ?? own);
    return { eui, role };
  }

  private handlerFor(device: HubDevice, entry: MessageCodeEntry): UseCaseHandler {
    if (entry.target !== 'any' && entry.target !== device) {
      throw new Refusal('WRONG_DEVICE', `${entry.useCase} is executed by the ${entry.target}, not the ${device}`, { where: 'recipient' });
    }
    const handler = this.options.registry.find(device, entry.code);
    if (!handler) throw new Refusal('NO_HANDLER', `the ${device} does not execute ${entry.useCase}`, { where: 'message code' });
    return handler;
  }

  /**
   * A hub not yet given its Security Credentials (a bench or simulator run) has no Access Control
   * Broker to address alerts to: say so once, with the way out, rather than an error per alert.
   */
  private alertFailed(error: unknown): void {
    const { logger } = this.options.context;
    if (error instanceof AlertError && error.code === 'ALERT_NO_RECIPIENT') {
      if (this.unaddressedAlerts++ === 0) logger.warn('alerts are not being sent: no Access Control Broker certificate is trusted (install the Security Credentials, e.g. security.keystore in the config)');
      else logger.debug({ unaddressedAlerts: this.unaddressedAlerts }, 'alert not sent: no Access Control Broker');
      return;
    }
    logger.error({ err: error }, 'alert could not be sealed');
  }

  private async record(refusal: Refusal, bytes: Buffer): Promise<void> {
    const { context } = this.options;
    const fields = { reason: refusal.code, where: refusal.where, octets: bytes.length };
    // A flood of junk must not flood the log: past the budget, one line says so and the rest go to debug.
    const { verdict } = this.refusalWarnings.take(context.clock.now());
    if (verdict === 'record') context.logger.warn(fields, `message refused: ${refusal.message}`);
    else if (verdict === 'summarise') context.logger.warn({ limit: REFUSAL_WARNINGS_PER_MINUTE }, `more than ${REFUSAL_WARNINGS_PER_MINUTE} messages refused this minute; the rest of this minute's are logged at debug level`);
    else context.logger.debug(fields, `message refused: ${refusal.message}`);
    await this.refusals.record(refusal).catch((error: unknown) => {
      context.logger.error({ err: error }, 'the Security Log could not record a refusal');
    });
  }
}

const REFUSAL_WARNINGS_PER_MINUTE = 20;

const AUTHENTICATION_CODES = ['MAC_INVALID', 'SIGNATURE_INVALID', 'SIGNATURE_MISSING', 'NO_CREDENTIAL'] as const;
function isAuthenticationCode(code: string): code is (typeof AUTHENTICATION_CODES)[number] {
  return (AUTHENTICATION_CODES as readonly string[]).includes(code);
}

function routeOrRefuse(bytes: Buffer): MessageRoute {
  try {
    return routeOf(bytes);
  } catch (error) {
    if (error instanceof GbcsError) throw new Refusal('MALFORMED', error.detail, { where: error.where, cause: error });
    throw error;
  }
}

function decodeEnvelope(bytes: Buffer): GbcsMessage {
  try {
    // Unknown codes are told apart after authentication, so an attacker learns nothing from the difference.
    return decodeMessage(bytes, { allowUnknownMessageCode: true });
  } catch (error) {
    if (error instanceof GbcsError) throw new Refusal('MALFORMED', error.detail, { where: error.where, cause: error });
    throw error;
  }
}

function decodeCommandPayload(message: GbcsMessage, handler: UseCaseHandler): DecodedPayload {
  try {
    const decoded = decodePayload({ messageCode: message.header.messageCode, cra: 'command', payload: message.payload });
    if (decoded.view || !handler.decodeCommand) return decoded;
    return { ...decoded, view: { useCase: handler.useCase, cra: 'command', value: handler.decodeCommand(message.payload) } };
  } catch (error) {
    if (error instanceof GbcsError) throw new Refusal('PAYLOAD_INVALID', error.detail, { where: error.where, cause: error });
    throw error;
  }
}

/**
 * A response echoes the command's counter, swaps originator and recipient, and keeps the
 * supplementary party without its certificate, adding the Device's own counter where the handler
 * keyed the response with one.
 */
export function responseHeader(command: GroupingHeader, dateTime?: Buffer, ownCounter?: bigint): GroupingHeader {
  const extra = command.supplementary;
  return {
    cra: 'response',
    originatorCounter: command.originatorCounter,
    originator: command.recipient,
    recipient: command.originator,
    ...(dateTime ? { dateTime } : {}),
    messageCode: command.messageCode,
    ...(extra
      ? {
          supplementary: {
            remotePartyId: extra.remotePartyId,
            ...(extra.remotePartyCounter === undefined ? {} : { remotePartyCounter: extra.remotePartyCounter }),
            ...(ownCounter === undefined ? {} : { originatorCounter: ownCounter }),
          },
        }
      : {}),
  };
}

function hex4(code: number): string {
  return code.toString(16).padStart(4, '0');
}

export type { RefusalReason };
