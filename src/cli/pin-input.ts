import { createInterface } from 'node:readline';
import { HubError } from '../../hal/errors.js';

/**
 * Reading a PIN from the person at the keyboard. A PIN never comes from the command line or the
 * environment (both are visible to other users through `ps` and /proc): on a terminal it is typed at
 * a prompt with echo off; otherwise it is read one line at a time from standard input, so a script
 * can pipe it in from a file only its owner can read.
 */
export interface SecretInput {
  /** The next secret; rejects with PIN_INPUT_* when there is none. */
  read(prompt: string): Promise<string>;
  close(): void;
}

export interface TerminalLike extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export class PinInputError extends HubError {}

const ENTER = new Set(['\r', '\n']);
const ERASE = new Set(['\x7f', '\b']);
const INTERRUPT = '\x03';
const END_OF_INPUT = '\x04';

/** Reads keystrokes with echo off until Enter; Ctrl-C or Ctrl-D gives up. */
function readHidden(input: TerminalLike, prompt: NodeJS.WritableStream, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed = '';
    prompt.write(text);
    input.setRawMode?.(true);
    input.setEncoding('utf8');
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.setRawMode?.(false);
      input.pause();
      prompt.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onEnd = () => finish(new PinInputError('PIN_INPUT_ENDED', 'the terminal closed before a PIN was entered'));
    const onData = (chunk: string | Buffer) => {
      for (const key of String(chunk)) {
        if (ENTER.has(key)) return finish();
        if (key === INTERRUPT || (key === END_OF_INPUT && typed === '')) return finish(new PinInputError('PIN_INPUT_CANCELLED', 'cancelled'));
        if (ERASE.has(key)) typed = typed.slice(0, -1);
        else if (key >= ' ') typed += key;
      }
    };
    input.on('data', onData);
    input.once('end', onEnd);
    input.resume();
  });
}

/** A terminal when `input` is one, else lines from the stream. */
export function secretInput(input: TerminalLike, prompt: NodeJS.WritableStream): SecretInput {
  if (input.isTTY && typeof input.setRawMode === 'function') {
    return { read: (text) => readHidden(input, prompt, text), close: () => input.pause() };
  }
  const lines = createInterface({ input, terminal: false, crlfDelay: Infinity })[Symbol.asyncIterator]();
  return {
    read: async () => {
      const next = await lines.next();
      if (next.done) {
        throw new PinInputError('PIN_INPUT_ENDED', 'no PIN on standard input: type it at the prompt on a terminal, or pipe it in (never on the command line)');
      }
      return String(next.value);
    },
    close: () => void lines.return?.(),
  };
}
