import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory, writeFileAtomic } from '../security/atomic-file.js';
import { FirmwareError } from './errors.js';

/**
 * The hub's own image in A/B slots under a root directory (the same tree in tests and on a board):
 * `slot-a/` and `slot-b/` each hold `image.bin` (an Upgrade Image) and, once that is whole on disk,
 * `manifest.json` naming its hash; `state.json` says which slot runs and whether it is on trial.
 * Every file is replaced atomically (temp, fsync, rename, fsync the directory), so a power cut leaves
 * each either as it was or as it became. A new image goes to the inactive slot; activation is one
 * write of `state.json` (the new slot, on trial); the first start on trial runs the hub's own check,
 * and a start that finds the trial already begun — the check never finished — or an active image
 * that no longer verifies goes back to the other slot.
 */
export type SlotName = 'a' | 'b';

export interface SlotsState {
  active: SlotName;
  /** Set from activation until the new slot's check passes; `started` once a start has begun it. */
  trial?: { from: SlotName; started: boolean };
}

export type Recovery = 'running' | 'onTrial' | 'rolledBack';

/** Checks an image's bytes (layout and supplier signature); throws when it does not verify. */
export type SlotVerifier = (image: Buffer) => void;

const other = (slot: SlotName): SlotName => (slot === 'a' ? 'b' : 'a');
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

function isState(value: unknown): value is SlotsState {
  const v = value as SlotsState | null;
  return typeof v === 'object' && v !== null && (v.active === 'a' || v.active === 'b') && (v.trial === undefined || ((v.trial.from === 'a' || v.trial.from === 'b') && typeof v.trial.started === 'boolean'));
}

export class HubSlots {
  constructor(
    readonly root: string,
    private readonly verify: SlotVerifier,
  ) {}

  private slotDir(slot: SlotName): string {
    return join(this.root, `slot-${slot}`);
  }

  /** A new tree whose slot A holds the factory image; refuses a root that already has one. */
  async initialise(factoryImage: Buffer): Promise<void> {
    if (await exists(join(this.root, 'state.json'))) throw new FirmwareError('BAD_INPUT', 'the slot tree is already set up', { field: this.root });
    this.verify(factoryImage);
    await mkdir(this.root, { recursive: true });
    await this.write('a', factoryImage);
    await this.setState({ active: 'a' });
  }

  async state(): Promise<SlotsState> {
    let value: unknown;
    try {
      value = JSON.parse(await readFile(join(this.root, 'state.json'), 'utf8'));
    } catch (cause) {
      throw new FirmwareError('BAD_INPUT', 'no readable state.json: the slot tree is not set up', { field: this.root, cause });
    }
    if (!isState(value)) throw new FirmwareError('BAD_INPUT', 'state.json does not say which slot runs', { field: join(this.root, 'state.json') });
    return value;
  }

  /** The image in `slot` when it is whole and verifies; undefined otherwise. */
  async complete(slot: SlotName): Promise<Buffer | undefined> {
    try {
      const manifest = JSON.parse(await readFile(join(this.slotDir(slot), 'manifest.json'), 'utf8')) as { hash?: unknown };
      const image = await readFile(join(this.slotDir(slot), 'image.bin'));
      if (manifest.hash !== sha256(image)) return undefined;
      this.verify(image);
      return image;
    } catch {
      return undefined;
    }
  }

  /** At every start, before anything runs from the slots: finish or undo what a power cut interrupted. */
  async recover(): Promise<Recovery> {
    const state = await this.state();
    let outcome: Recovery = 'running';
    if (state.trial?.started || !(await this.complete(state.active))) {
      const back = state.trial?.from ?? other(state.active);
      if (!(await this.complete(back))) throw new FirmwareError('IMAGE_NOT_HELD', `neither slot holds an image that verifies`, { field: this.root });
      await this.setState({ active: back });
      outcome = 'rolledBack';
    } else if (state.trial) {
      await this.setState({ active: state.active, trial: { from: state.trial.from, started: true } });
      outcome = 'onTrial';
    }
    const now = await this.state();
    const spare = now.trial ? now.trial.from : other(now.active);
    if (!(await this.complete(spare))) await this.clear(spare);
    return outcome;
  }

  /** Writes an image to the inactive slot (clearing what it held); it runs only once activated. */
  async stage(image: Buffer): Promise<void> {
    this.verify(image);
    const state = await this.state();
    if (state.trial) throw new FirmwareError('BAD_INPUT', 'a slot is on trial: confirm it or let it roll back first', { field: this.root });
    const slot = other(state.active);
    await this.clear(slot);
    await this.write(slot, image);
  }

  /** Empties the inactive slot (an image staged there that cannot run); a slot on trial is left alone. */
  async discardStaged(): Promise<void> {
    const state = await this.state();
    if (!state.trial) await this.clear(other(state.active));
  }

  /** Switches to the staged slot, on trial: the next start checks it. */
  async activate(): Promise<void> {
    const state = await this.state();
    const slot = other(state.active);
    if (state.trial || !(await this.complete(slot))) throw new FirmwareError('IMAGE_NOT_HELD', 'no whole, verified image is staged to activate', { field: this.slotDir(slot) });
    await this.setState({ active: slot, trial: { from: state.active, started: false } });
  }

  /** The hub's check of the slot on trial: keep it, or go back to the one before. */
  async confirm(healthy: boolean): Promise<'kept' | 'rolledBack'> {
    const state = await this.state();
    if (!state.trial) return 'kept';
    await this.setState(healthy ? { active: state.active } : { active: state.trial.from });
    return healthy ? 'kept' : 'rolledBack';
  }

  private async write(slot: SlotName, image: Buffer): Promise<void> {
    const dir = this.slotDir(slot);
    await mkdir(dir, { recursive: true });
    // The slot's own entry in the root must be on disk too, or a power cut could take the whole slot.
    await syncDirectory(this.root);
    await writeFileAtomic(join(dir, 'image.bin'), image, 0o644);
    await writeFileAtomic(join(dir, 'manifest.json'), JSON.stringify({ hash: sha256(image) }), 0o644);
  }

  /** The manifest goes first, so a slot half cleared reads as incomplete, never as whole. */
  private async clear(slot: SlotName): Promise<void> {
    const dir = this.slotDir(slot);
    if (!(await exists(dir))) return;
    await unlink(join(dir, 'manifest.json')).catch(() => undefined);
    await syncDirectory(dir);
    await rm(dir, { recursive: true, force: true });
    await syncDirectory(this.root);
  }

  private async setState(state: SlotsState): Promise<void> {
    await writeFileAtomic(join(this.root, 'state.json'), JSON.stringify(state), 0o644);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
