import { randomBytes } from 'node:crypto';
import { EmberDeviceUpdate, EmberJoinDecision, EmberKeyStatus, EzspConfigId, SLStatus } from '../ezsp/index.js';
import { linkKeyFromInstallCode } from '../install-code.js';
import type { Eui64 } from '../radio.js';
import type { SimDevice } from './device.js';
import type { CommandHandlers, JoinRefusal, NcpContext } from './ncp-context.js';

/**
 * The NCP's trust centre: the joining window, transient (install-code) keys, the key table, and
 * what the host hears when a device joins, is refused, or is removed.
 *
 * What reaches the host, by case (chosen to match what an EmberZNet trust centre reports):
 * - joining closed, or network down: nothing (the device hears no beacon that permits joining);
 * - no transient key for the device: trustCenterJoinHandler(UNSECURED_JOIN, DENY_JOIN), as with
 *   an install-code-only policy;
 * - a transient key that is not the one derived from the device's own install code: the join is
 *   reported (UNSECURED_JOIN, USE_PRECONFIGURED_KEY), the device cannot decrypt the network key and
 *   goes silent, and after `aps.keyEstablishmentTimeoutMs` zigbeeKeyEstablishmentHandler reports
 *   ESTABLISHMENT_TIMEOUT for it;
 * - the right key: trustCenterJoinHandler(UNSECURED_JOIN, USE_PRECONFIGURED_KEY), then
 *   zigbeeKeyEstablishmentHandler(TC_REQUESTER_VERIFY_KEY_SUCCESS) once the device holds its new,
 *   random TC link key (kept in the key table; exportLinkKeyByEui reads it).
 */
export type JoinOutcome = { joined: true; nodeId: number } | { joined: false; reason: JoinRefusal };

/** How long a transient key lives unless the host configured otherwise (EmberZNet's default). */
const DEFAULT_TRANSIENT_KEY_SECONDS = 300;
const FOREVER = 0xff;
const TRUST_CENTRE_NODE_ID = 0x0000;

function allocateNodeId(ncp: NcpContext): number {
  for (;;) {
    const nodeId = 1 + ncp.options.random.below(0xfff7);
    if (!ncp.nvm.nodeById(nodeId)) return nodeId;
  }
}

function reportJoin(ncp: NcpContext, nodeId: number, eui64: Eui64, status: number, decision: number): void {
  ncp.callback('trustCenterJoinHandler', {
    newNodeId: nodeId,
    newNodeEui64: eui64,
    status,
    policyDecision: decision,
    parentOfNewNodeId: TRUST_CENTRE_NODE_ID,
  });
}

function refuse(ncp: NcpContext, eui64: Eui64, reason: JoinRefusal): JoinOutcome {
  ncp.emit('joinRefused', { eui64, reason });
  return { joined: false, reason };
}

/** The device's key matches: it joins, gets a fresh TC link key, and the host hears both steps. */
function admit(ncp: NcpContext, device: SimDevice, nodeId: number, tcLinkKey: Buffer): JoinOutcome {
  const { eui64 } = device;
  reportJoin(ncp, nodeId, eui64, EmberDeviceUpdate.STANDARD_SECURITY_UNSECURED_JOIN, EmberJoinDecision.USE_PRECONFIGURED_KEY);
  ncp.nvm.addNode({ eui64, nodeId });
  ncp.nvm.setKey({ eui64, key: tcLinkKey, origin: 'established' });
  ncp.ram.transientKeys.delete(eui64);
  const network = ncp.nvm.network;
  // Joining needs the network up, so the NCP has one in flash.
  if (network) device.joinedAs(nodeId, tcLinkKey, network);
  ncp.soon(() => ncp.callback('zigbeeKeyEstablishmentHandler', { partner: eui64, status: EmberKeyStatus.TC_REQUESTER_VERIFY_KEY_SUCCESS }));
  ncp.emit('deviceJoined', { eui64, nodeId });
  return { joined: true, nodeId };
}

/** A device asks to join through the trust centre. */
export function requestJoin(ncp: NcpContext, device: SimDevice): JoinOutcome {
  const { eui64 } = device;
  const stored = ncp.nvm.node(eui64);
  if (device.joined && stored) return { joined: true, nodeId: stored.nodeId };
  if (!ncp.ram.networkUp) return refuse(ncp, eui64, 'NETWORK_DOWN');
  if (!ncp.ram.joiningOpen()) return refuse(ncp, eui64, 'JOINING_CLOSED');
  const nodeId = stored?.nodeId ?? allocateNodeId(ncp);
  // A device the host re-admitted with its old TC link key (importLinkKey) resumes with it.
  const kept = ncp.nvm.key(eui64);
  if (kept?.origin === 'imported' && device.tcLinkKey?.equals(kept.key)) return admit(ncp, device, nodeId, kept.key);
  const transient = ncp.ram.transientKeys.get(eui64);
  if (!transient) {
    reportJoin(ncp, nodeId, eui64, EmberDeviceUpdate.STANDARD_SECURITY_UNSECURED_JOIN, EmberJoinDecision.DENY_JOIN);
    return refuse(ncp, eui64, 'NO_KEY');
  }
  if (!transient.equals(linkKeyFromInstallCode(device.spec.installCode))) {
    reportJoin(ncp, nodeId, eui64, EmberDeviceUpdate.STANDARD_SECURITY_UNSECURED_JOIN, EmberJoinDecision.USE_PRECONFIGURED_KEY);
    ncp.later(
      () => ncp.callback('zigbeeKeyEstablishmentHandler', { partner: eui64, status: EmberKeyStatus.ESTABLISHMENT_TIMEOUT }),
      ncp.options.scenario.aps.keyEstablishmentTimeoutMs,
    );
    return refuse(ncp, eui64, 'WRONG_KEY');
  }
  return admit(ncp, device, nodeId, randomBytes(16));
}

function closeJoining(ncp: NcpContext): void {
  // Not joiningOpen(): when the window's own timer fires, the clock already reads its end.
  const wasOpen = ncp.ram.joiningUntil > 0;
  ncp.ram.joiningTimer?.cancel();
  ncp.ram.joiningTimer = undefined;
  ncp.ram.joiningUntil = 0;
  if (!wasOpen) return;
  ncp.callback('stackStatusHandler', { status: ncp.status('NETWORK_CLOSED') });
  ncp.emit('joiningChanged', false);
}

export const TRUST_CENTRE_HANDLERS: CommandHandlers = {
  permitJoining: (ncp, { duration }) => {
    if (!ncp.ram.networkUp) return { status: ncp.status('NETWORK_DOWN') };
    if (duration === 0) {
      closeJoining(ncp);
      return { status: ncp.status('SUCCESS') };
    }
    ncp.ram.joiningTimer?.cancel();
    ncp.ram.joiningUntil = duration === FOREVER ? Infinity : ncp.clock.now() + duration * 1000;
    ncp.ram.joiningTimer = duration === FOREVER ? undefined : ncp.ram.later(() => closeJoining(ncp), duration * 1000);
    ncp.callback('stackStatusHandler', { status: ncp.status('NETWORK_OPENED') });
    ncp.emit('joiningChanged', true);
    return { status: ncp.status('SUCCESS') };
  },

  clearTransientLinkKeys: (ncp) => {
    ncp.ram.transientKeys.clear();
    return {};
  },

  importTransientKey: (ncp, { eui64, plaintextKey }) => {
    const key = Buffer.from(plaintextKey);
    ncp.ram.transientKeys.set(eui64, key);
    const seconds = ncp.ram.config.get(EzspConfigId.TRANSIENT_KEY_TIMEOUT_S) ?? DEFAULT_TRANSIENT_KEY_SECONDS;
    ncp.ram.later(() => {
      if (ncp.ram.transientKeys.get(eui64) === key) ncp.ram.transientKeys.delete(eui64);
    }, seconds * 1000);
    return { status: SLStatus.OK };
  },

  importLinkKey: (ncp, { address, plaintextKey }) => {
    ncp.nvm.setKey({ eui64: address, key: Buffer.from(plaintextKey), origin: 'imported' });
    return { status: SLStatus.OK };
  },

  exportLinkKeyByEui: (ncp, { eui64 }) => {
    const entry = ncp.nvm.key(eui64);
    const index = entry ? ncp.nvm.keyIndex(eui64) : 0xff;
    return {
      status: entry ? SLStatus.OK : SLStatus.NOT_FOUND,
      context: { coreKeyType: 0, keyIndex: index, derivedType: 0, eui64, multiNetworkIndex: 0, flags: 0, psaKeyAlgPermission: 0 },
      plaintextKey: entry ? Buffer.from(entry.key) : Buffer.alloc(16),
      index,
      keyData: { bitmask: 0, outgoingFrameCounter: 0, incomingFrameCounter: 0, ttlInSeconds: 0 },
    };
  },

  removeDevice: (ncp, { targetLong }) => {
    if (!ncp.ram.networkUp) return { status: ncp.status('NETWORK_DOWN') };
    const node = ncp.nvm.node(targetLong);
    if (!node) return { status: ncp.status('INVALID_CALL') };
    ncp.nvm.removeNode(targetLong);
    ncp.nvm.forgetKey(targetLong);
    ncp.device(targetLong)?.left();
    reportJoin(ncp, node.nodeId, targetLong, EmberDeviceUpdate.DEVICE_LEFT, EmberJoinDecision.NO_ACTION);
    ncp.emit('deviceLeft', { eui64: targetLong, nodeId: node.nodeId });
    return { status: ncp.status('SUCCESS') };
  },
};
