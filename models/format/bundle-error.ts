/** Any problem with a bundle folder, in one message that names the folder and what is wrong. */
export class BundleError extends Error {
  constructor(
    readonly dir: string,
    readonly problem: string,
  ) {
    super(`model bundle ${dir}: ${problem}`);
    this.name = 'BundleError';
  }
}

/** The message of an unknown thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The errno code of a Node system error, if it is one. */
export function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
