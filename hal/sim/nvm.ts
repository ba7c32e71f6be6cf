import type { Eui64 } from '../radio.js';

/**
 * What the simulated NCP keeps in flash tokens: the network it formed, the nodes that joined it
 * and their trust-centre link keys. It lives outside the NCP object so it survives an NCP reset,
 * as flash does, while everything else (joining window, transient keys, pending sends) is lost.
 */
export interface StoredNetwork {
  channel: number;
  panId: number;
  extendedPanId: string;
  radioTxPower: number;
  nwkUpdateId: number;
  networkKey: Buffer;
  networkKeySequenceNumber: number;
  /** NWK frames sent under the network key (what a host backs up so a restored network does not reuse counters). */
  frameCounter: number;
  /** The trust centre link key the network was formed with (the host's preconfigured key). */
  trustCentreLinkKey: Buffer;
}

export interface StoredNode {
  eui64: Eui64;
  nodeId: number;
}

export interface KeyTableEntry {
  eui64: Eui64;
  key: Buffer;
  /** Where the entry came from: made by key establishment, or imported by the host. */
  origin: 'established' | 'imported';
}

export class SimNvm {
  network: StoredNetwork | undefined;
  private readonly nodes = new Map<Eui64, StoredNode>();
  private readonly keys = new Map<Eui64, KeyTableEntry>();

  node(eui64: Eui64): StoredNode | undefined {
    return this.nodes.get(eui64);
  }

  nodeById(nodeId: number): StoredNode | undefined {
    for (const node of this.nodes.values()) if (node.nodeId === nodeId) return node;
    return undefined;
  }

  addNode(node: StoredNode): void {
    this.nodes.set(node.eui64, node);
  }

  removeNode(eui64: Eui64): void {
    this.nodes.delete(eui64);
  }

  key(eui64: Eui64): KeyTableEntry | undefined {
    return this.keys.get(eui64);
  }

  /** The key table entry in slot `index`. */
  keyAt(index: number): KeyTableEntry | undefined {
    return [...this.keys.values()][index];
  }

  /** The key table's slot for this EUI-64 (its position), as exportLinkKeyByEui reports it. */
  keyIndex(eui64: Eui64): number {
    return [...this.keys.keys()].indexOf(eui64);
  }

  setKey(entry: KeyTableEntry): void {
    this.keys.set(entry.eui64, entry);
  }

  forgetKey(eui64: Eui64): void {
    this.keys.delete(eui64);
  }

  /** clearKeyTable: every link key goes; the network and its nodes stay. */
  clearKeys(): void {
    this.keys.clear();
  }

  /** leaveNetwork: the network and everything that belonged to it are erased. */
  erase(): void {
    this.network = undefined;
    this.nodes.clear();
    this.keys.clear();
  }
}
