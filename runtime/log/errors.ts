/**
 * Raised for a log that cannot be read or mapped as asked: not an MCAP file, a damaged record, a
 * compression this build cannot read, or a mapping that does not fit the bag. The message names the
 * file (or the mapping key path) and what is wrong, so the CLI prints it as it is.
 */
export class LogError extends Error {
  override readonly name = 'LogError';
}
