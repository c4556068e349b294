// A problem with how `cooldown loadtest` was asked to run, with a stable code the docs list.

export type LoadtestErrorCode = 'invalid_option' | 'output_failed';

export class LoadtestError extends Error {
  override readonly name = 'LoadtestError';
  readonly code: LoadtestErrorCode;

  constructor(code: LoadtestErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
