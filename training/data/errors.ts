/**
 * Raised for any dataset that cannot be used as it is: a missing, damaged or inconsistent file, or an
 * input an importer cannot map. The message names the file (or the value) and what is wrong, so the
 * CLI can print it as it is.
 */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
}

/** Turns a zod issue list into one line per issue, each with its key path. */
export function describeIssues(issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[]): string {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`).join('; ');
}

/** A short reason for a failed file-system call: the error code's meaning rather than Node's full message. */
export function fsReason(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}
