/** Raised for any input an environment cannot act on; the message names what was wrong. */
export class SimInputError extends Error {
  override readonly name = 'SimInputError';
}
