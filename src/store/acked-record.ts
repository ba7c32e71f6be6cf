import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import crc32 from 'crc/calculators/crc32';

/**
 * LevelDB cannot tell a log that lost its synced tail (a truncated file) from one whose last write
 * was torn by a crash, so it opens both without a word. Every commit therefore carries a number
 * (`meta/commitSequence`, in the same LevelDB write), and this file beside the database records
 * the number of the latest commit acknowledged to its caller, written and synced after it, off the
 * write path (rounds coalesce; at most one write and sync in flight). The number it holds is never
 * above what LevelDB made durable, so at open a stored sequence below it means acknowledged
 * writes are missing. What it costs: losses in the last round before the damage go unnoticed.
 *
 * Format: 16 decimal digits, a space, their CRC-32 in 8 hex digits, a newline (26 bytes, rewritten in place).
 */
export const ACKED_FILE = 'ACKNOWLEDGED';

function encode(sequence: number): Buffer {
  const digits = String(sequence).padStart(16, '0');
  return Buffer.from(`${digits} ${(crc32(Buffer.from(digits)) >>> 0).toString(16).padStart(8, '0')}\n`);
}

/** The sequence the file records; undefined when there is none; 'unreadable' when it is damaged. */
export async function readAcked(dir: string): Promise<number | undefined | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(join(dir, ACKED_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return 'unreadable';
  }
  // Empty: made but never written (a crash right after it was created); nothing to compare.
  if (text === '') return undefined;
  const match = /^(\d{16}) ([0-9a-f]{8})\n$/.exec(text);
  if (!match || crc32(Buffer.from(match[1]!)) >>> 0 !== Number.parseInt(match[2]!, 16)) return 'unreadable';
  return Number(match[1]);
}

export class AckedRecord {
  private handle: FileHandle | undefined;
  private latest = 0;
  private written = 0;
  private round: Promise<void> | undefined;
  private failed = false;

  private constructor(private readonly dir: string) {}

  /** Start recording at `sequence` (written now, so the file matches the store from the start). */
  static async open(dir: string, sequence: number): Promise<AckedRecord> {
    const record = new AckedRecord(dir);
    // Rewritten in place, never truncated, so a crash cannot leave it empty.
    const path = join(dir, ACKED_FILE);
    record.handle = await open(path, 'r+').catch(() => open(path, 'w', 0o600));
    record.latest = sequence;
    await record.flush();
    return record;
  }

  /** A commit numbered `sequence` was acknowledged. */
  note(sequence: number): void {
    if (sequence > this.latest) this.latest = sequence;
    this.failed = false;
    this.round ??= this.flush().finally(() => {
      this.round = undefined;
      if (this.latest > this.written && !this.failed) this.note(this.latest);
    });
  }

  private async flush(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    const sequence = this.latest;
    try {
      await handle.write(encode(sequence), 0, 26, 0);
      await handle.datasync();
      this.written = sequence;
    } catch {
      // A full disk: the store refuses writes itself; this record only ever lags behind, which is safe.
      this.failed = true;
    }
  }

  async close(): Promise<void> {
    while (this.round) await this.round;
    if (this.latest > this.written) {
      this.failed = false;
      await this.flush();
    }
    await this.handle?.close();
    this.handle = undefined;
  }
}
