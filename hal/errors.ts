/**
 * The base of every error the runtime raises on purpose. `code` is stable and machine-readable;
 * `where` names the input that was wrong (a file and key path, a serial port, a byte offset) so a
 * person can act on the message without reading code.
 */
export class HubError extends Error {
  readonly code: string;
  readonly where: string | undefined;
  /** The message without its `where: ` prefix, for an error that wraps this one and names `where` itself. */
  readonly detail: string;

  constructor(code: string, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(options.where ? `${options.where}: ${message}` : message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.where = options.where;
    this.detail = message;
  }
}
