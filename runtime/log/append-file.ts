import { close, closeSync, existsSync, fsync, open, openSync, writeSync, writev } from 'node:fs';

interface Pending {
  bytes: Uint8Array;
  position: number;
  readonly onWritten: (() => void) | undefined;
}

/**
 * A file written strictly in order without ever blocking the caller: `append` queues the bytes and
 * libuv's thread pool writes what is queued, one `writev` at a time, at its own offset. Whatever the OS has
 * accepted survives the process being killed; only what is still queued is lost. Because every
 * write names its offset, `finishSync` may write the queue again from an exit handler even while
 * an asynchronous write of the same bytes is under way.
 */
export class AppendFile {
  readonly path: string;
  readonly #maxQueuedBytes: number;
  readonly #onError: (e: Error) => void;
  #fd: number | null = null;
  #queue: Pending[] = [];
  #queuedBytes = 0;
  #writing = false;
  #size = 0;
  #error: Error | null = null;
  #closeRequested = false;
  #closed: Promise<void> | null = null;
  #resolveClosed: (() => void) | null = null;
  #rejectClosed: ((e: Error) => void) | null = null;

  constructor(path: string, options: { maxQueuedBytes: number; onError: (e: Error) => void }) {
    this.path = path;
    this.#maxQueuedBytes = options.maxQueuedBytes;
    this.#onError = options.onError;
    open(path, 'wx', (err, fd) => {
      if (err) return this.#fail(err);
      this.#fd = fd;
      this.#pump();
    });
  }

  /** Bytes appended so far, written or queued: the offset of the next append. */
  get size(): number {
    return this.#size;
  }

  get error(): Error | null {
    return this.#error;
  }

  /**
   * Queues bytes, which the caller must not change afterwards; `onWritten` runs once the OS has them.
   * Returns false, keeping nothing, when the file has failed or the queue is full (a stalled disk).
   */
  append(bytes: Uint8Array, onWritten?: () => void): boolean {
    if (this.#error || this.#closeRequested || this.#queuedBytes + bytes.byteLength > this.#maxQueuedBytes) return false;
    this.#queue.push({ bytes, position: this.#size, onWritten });
    this.#queuedBytes += bytes.byteLength;
    this.#size += bytes.byteLength;
    this.#pump();
    return true;
  }

  /** Writes what is queued, then syncs and closes the file; rejects with the first write error. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closeRequested = true;
      this.#closed = new Promise((resolve, reject) => {
        this.#resolveClosed = resolve;
        this.#rejectClosed = reject;
      });
      if (this.#error) this.#rejectClosed?.(this.#error);
      else this.#pump();
    }
    return this.#closed;
  }

  /** For an exit handler, when the event loop will not run again: writes the queue synchronously and closes. */
  finishSync(): void {
    if (this.#error || (this.#closeRequested && this.#queue.length === 0)) return;
    try {
      // The asynchronous open may not have completed; its 'wx' would have created the file.
      this.#fd ??= openSync(this.path, existsSync(this.path) ? 'r+' : 'w');
      for (const p of this.#queue) {
        for (let done = 0; done < p.bytes.byteLength; ) {
          done += writeSync(this.#fd, p.bytes, done, p.bytes.byteLength - done, p.position + done);
        }
      }
      this.#queue = [];
      closeSync(this.#fd);
    } catch {
      // The process is exiting: there is nobody left to tell.
    }
    this.#fd = null;
    this.#closeRequested = true;
  }

  #pump(): void {
    if (this.#writing || this.#fd === null || this.#error) return;
    const fd = this.#fd;
    if (this.#queue.length === 0) {
      if (this.#closeRequested) this.#finish(fd);
      return;
    }
    // The queue is contiguous in the file: one writev takes all of it, however many chunks piled up.
    const batch = this.#queue.slice();
    this.#writing = true;
    writev(
      fd,
      batch.map((p) => p.bytes),
      batch[0].position,
      (err, written) => {
        this.#writing = false;
        if (err) return this.#fail(err);
        this.#queuedBytes -= written;
        let left = written;
        while (left > 0) {
          const head = this.#queue[0];
          if (left < head.bytes.byteLength) {
            head.bytes = head.bytes.subarray(left);
            head.position += left;
            break;
          }
          left -= head.bytes.byteLength;
          this.#queue.shift();
          head.onWritten?.();
        }
        this.#pump();
      },
    );
  }

  #finish(fd: number): void {
    this.#fd = null;
    fsync(fd, (syncError) =>
      close(fd, (closeError) => {
        const err = syncError ?? closeError;
        if (err) this.#fail(err);
        else this.#resolveClosed?.();
      }),
    );
  }

  #fail(err: Error): void {
    if (this.#error) return;
    this.#error = new Error(`${this.path}: ${err.message}`);
    this.#queue = [];
    this.#queuedBytes = 0;
    if (this.#fd !== null) close(this.#fd, () => {});
    this.#fd = null;
    this.#onError(this.#error);
    this.#rejectClosed?.(this.#error);
  }
}
