/**
 * The project's errors that a person or a client can act on, each with a code. Anything else is a
 * bug or an outage: logged whole, never shown as is. `retryable: false` tells job queues that
 * trying again cannot help (a bad file stays bad).
 */
export const ERROR_CODES = {
  /** A file that cannot be read at all: missing, empty, binary, not UTF-8, no required columns. */
  BAD_INPUT_FILE: 'BAD_INPUT_FILE',
  /** A mapping file that is not valid. */
  BAD_MAPPING: 'BAD_MAPPING',
  /** A command used wrongly: a flag's value, a missing setting. */
  USAGE: 'USAGE',
  /** Scoring or reading results before any analysis run is current. */
  NO_CURRENT_RUN: 'NO_CURRENT_RUN',
  /** Something named that does not exist (a ring of the current run, an entity). */
  NOT_FOUND: 'NOT_FOUND',
  /** A store (server) that cannot hold this version's schema. */
  UNSUPPORTED_STORE: 'UNSUPPORTED_STORE',
} as const;
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export class CustomsGraphError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly retryable = false) {
    super(message);
    this.name = new.target.name;
  }
}

export class FatalInputError extends CustomsGraphError {
  constructor(readonly file: string, message: string) {
    super(ERROR_CODES.BAD_INPUT_FILE, `${file}: ${message}`);
  }
}

export class MappingError extends CustomsGraphError {
  constructor(message: string) {
    super(ERROR_CODES.BAD_MAPPING, message);
  }
}

export class UsageError extends CustomsGraphError {
  constructor(message: string) {
    super(ERROR_CODES.USAGE, message);
  }
}

export class NoCurrentRunError extends CustomsGraphError {
  constructor() {
    super(ERROR_CODES.NO_CURRENT_RUN, 'no analysis run is current: run `customs-graph analyze` first');
  }
}

export class NotFoundError extends CustomsGraphError {
  constructor(message: string) {
    super(ERROR_CODES.NOT_FOUND, message);
  }
}

export class UnsupportedStoreError extends CustomsGraphError {
  constructor(message: string) {
    super(ERROR_CODES.UNSUPPORTED_STORE, message);
  }
}

/** An error a person can act on (one line, no stack), as opposed to a fault. */
export function isCustomsGraphError(err: unknown): err is CustomsGraphError {
  return err instanceof CustomsGraphError;
}
