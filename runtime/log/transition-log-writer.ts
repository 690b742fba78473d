import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { TickInput } from '../core/decision.js';
import { AppendFile } from './append-file.js';
import { ChunkedMcapFile } from './chunked-mcap-file.js';
import { LogError } from './errors.js';
import { describeIssue } from './issues.js';
import { TRANSITION_DEFINITION, TRANSITION_SCHEMA_NAME, TRANSITION_TOPIC, TransitionEncoder } from './transition-message.js';

/** Recorded in every log's `mesa_shield` metadata record, so a later version can tell layouts apart (2: ticks carry the state's stamp and episode start). */
const TRANSITION_LOG_FORMAT_VERSION = '2';
const TRANSITION_METADATA_NAME = 'mesa_shield';

/**
 * The `log` part of the shield's YAML config. Defaults keep a crash's loss to 0.2 s or 100 ticks,
 * whichever comes first, and files at 64 MiB.
 */
export const transitionLogConfigSchema = z.strictObject({
  /** Folder of the log files; created when missing. */
  dir: z.string().min(1),
  /** Start a new file once the current one reaches this many MiB. */
  rotate_mb: z.number().positive().default(64),
  /** Start a new file once the current one spans this many seconds; no time limit when absent. */
  rotate_s: z.number().positive().optional(),
  /** Close a chunk (making it survive a crash) after this many records... */
  flush_records: z.int().positive().default(100),
  /** ...or this many milliseconds after its first record, whichever comes first. */
  flush_ms: z.number().positive().default(200),
  /** Records are dropped (and counted) rather than queued beyond this many MiB when the disk stalls. */
  max_queued_mb: z.number().positive().default(32),
});

export type TransitionLogConfig = z.input<typeof transitionLogConfigSchema>;

export interface TransitionLogOptions extends TransitionLogConfig {
  /** Called once, for the first write error; the writer then drops records instead of throwing at the control loop. */
  readonly onError?: (e: Error) => void;
  /** Epoch nanoseconds for MCAP log times (tests pin it); defaults to the system clock at nanosecond resolution. */
  readonly now?: () => bigint;
  /** Library name recorded in each file's header. */
  readonly library?: string;
}

export interface TransitionLogStats {
  /** Records given to `append`. */
  readonly appended: number;
  /** Records the OS has accepted: what a SIGKILL now would leave on disk. */
  readonly written: number;
  /** Records lost to a write error or a stalled disk. */
  readonly dropped: number;
  /** Every file started, oldest first. */
  readonly files: readonly string[];
}

function systemClock(): () => bigint {
  const offset = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  return () => process.hrtime.bigint() + offset;
}

/** `20261125T101500.123Z`: sorts in time order and is a valid file name everywhere. */
function fileStamp(epochNs: bigint): string {
  return new Date(Number(epochNs / 1_000_000n)).toISOString().replaceAll('-', '').replaceAll(':', '');
}

/**
 * Records the shield's ticks to rotating MCAP files `<dir>/transitions-<start>-<n>.mcap`.
 *
 * `append` never waits for the disk: it encodes the record into the open chunk (a few µs), and
 * closing a chunk hands its bytes to a background write. A chunk is closed every `flush_records`
 * records or `flush_ms` milliseconds, so a process killed with SIGKILL leaves files that open with
 * every record but those of the last unclosed chunk. `close()` (or the process exiting normally)
 * writes each file's summary and footer.
 */
export class TransitionLogWriter {
  readonly #config: z.output<typeof transitionLogConfigSchema>;
  readonly #onError: (e: Error) => void;
  readonly #now: () => bigint;
  readonly #library: string;
  readonly #encoder = new TransitionEncoder();
  readonly #session: string;
  readonly #timer: NodeJS.Timeout;
  /** The open file and those still being written after rotation; a file leaves once closed. */
  readonly #active = new Set<ChunkedMcapFile>();
  readonly #closing = new Set<Promise<void>>();
  readonly #paths: string[] = [];
  #writtenInClosed = 0;
  #droppedInClosed = 0;
  #file: ChunkedMcapFile | null = null;
  #fileStartNs = 0n;
  #appended = 0;
  #droppedWhileFailed = 0;
  #error: Error | null = null;
  #closed = false;

  constructor(options: TransitionLogOptions) {
    const { onError, now, library, ...config } = options;
    const parsed = transitionLogConfigSchema.safeParse(config);
    if (!parsed.success) {
      throw new LogError(`transition log config: ${parsed.error.issues.map(describeIssue).join('; ')}`);
    }
    this.#config = parsed.data;
    this.#onError = onError ?? (() => {});
    this.#now = now ?? systemClock();
    this.#library = library ?? 'mesa-shield';
    mkdirSync(this.#config.dir, { recursive: true });
    this.#session = fileStamp(this.#now());
    this.#timer = setInterval(() => this.flush(), this.#config.flush_ms).unref();
    process.on('exit', this.#onExit);
  }

  get stats(): TransitionLogStats {
    let written = this.#writtenInClosed;
    let dropped = this.#droppedInClosed + this.#droppedWhileFailed;
    for (const f of this.#active) {
      written += f.writtenMessages;
      dropped += f.droppedMessages;
    }
    return { appended: this.#appended, written, dropped, files: [...this.#paths] };
  }

  /** The first write error, if any. */
  get error(): Error | null {
    return this.#error;
  }

  /** Adds one tick; the vectors are encoded at once, so the caller may reuse them. */
  append(record: TickInput): void {
    if (this.#closed) throw new Error('TransitionLogWriter.append after close()');
    this.#appended++;
    if (this.#error) {
      this.#droppedWhileFailed++;
      return;
    }
    const t = this.#now();
    const file = this.#file ?? this.#startFile(t);
    file.addMessage(t, this.#encoder.encode(record));
    if (file.pendingMessages >= this.#config.flush_records) this.flush();
  }

  /** Closes the open chunk now, and starts a new file next time when this one is full or old enough. */
  flush(): void {
    const file = this.#file;
    if (!file || file.pendingMessages === 0) return;
    file.flushChunk();
    const { rotate_mb, rotate_s } = this.#config;
    const old = rotate_s !== undefined && Number(this.#now() - this.#fileStartNs) >= rotate_s * 1e9;
    if (file.size >= rotate_mb * 2 ** 20 || old) this.#finishFile();
  }

  /** Writes the open file's summary and footer, waits for every file to reach the disk, and stops. Rejects with the first write error. */
  async close(): Promise<TransitionLogStats> {
    if (!this.#closed) {
      this.#closed = true;
      clearInterval(this.#timer);
      process.off('exit', this.#onExit);
      this.#finishFile();
    }
    await Promise.allSettled([...this.#closing]);
    if (this.#error) throw this.#error;
    return this.stats;
  }

  #startFile(t: bigint): ChunkedMcapFile {
    const index = this.#paths.length + 1;
    const path = join(this.#config.dir, `transitions-${this.#session}-${String(index).padStart(4, '0')}.mcap`);
    const sink = new AppendFile(path, { maxQueuedBytes: this.#config.max_queued_mb * 2 ** 20, onError: (e) => this.#fail(e) });
    const file = new ChunkedMcapFile(sink, {
      header: { profile: 'ros2', library: this.#library },
      schema: { name: TRANSITION_SCHEMA_NAME, encoding: 'ros2msg', data: new TextEncoder().encode(TRANSITION_DEFINITION) },
      channel: { topic: TRANSITION_TOPIC, messageEncoding: 'cdr', metadata: new Map([['offered_qos_profiles', '']]) },
      metadata: {
        name: TRANSITION_METADATA_NAME,
        metadata: new Map([
          ['format_version', TRANSITION_LOG_FORMAT_VERSION],
          ['session', this.#session],
          ['file_index', String(index)],
        ]),
      },
    });
    this.#active.add(file);
    this.#paths.push(path);
    this.#fileStartNs = t;
    this.#file = file;
    return file;
  }

  #finishFile(): void {
    const file = this.#file;
    if (!file) return;
    this.#file = null;
    const closing = file
      .finish()
      // A write error has already reached #fail through the file's onError.
      .catch(() => {})
      .finally(() => {
        this.#active.delete(file);
        this.#closing.delete(closing);
        this.#writtenInClosed += file.writtenMessages;
        this.#droppedInClosed += file.droppedMessages;
      });
    this.#closing.add(closing);
  }

  #fail(e: Error): void {
    if (this.#error) return;
    this.#error = e;
    this.#onError(e);
  }

  /** The process is exiting without `close()`: finish every file, writing what is queued synchronously. */
  readonly #onExit = (): void => {
    for (const file of this.#active) file.finishSync();
  };
}
