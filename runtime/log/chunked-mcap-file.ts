import { crc32 } from 'node:zlib';
import { McapChunkBuilder, McapRecordBuilder, Opcode, type McapTypes } from '@mcap/core';
import type { AppendFile } from './append-file.js';

const SCHEMA_ID = 1;
const CHANNEL_ID = 1;

export interface ChunkedMcapFileStart {
  readonly header: McapTypes.Header;
  readonly schema: Omit<McapTypes.Schema, 'id'>;
  readonly channel: Omit<McapTypes.Channel, 'id' | 'schemaId'>;
  readonly metadata: McapTypes.Metadata;
}

/**
 * One MCAP file of a single channel, whose chunks are closed when the caller says so rather than
 * at a byte size (which is all `McapWriter` offers): the transition log closes a chunk every N
 * records or T milliseconds, so a killed process loses at most that much. Records are serialized
 * by `@mcap/core`'s record and chunk builders; this class only decides the layout:
 *
 * magic, Header, Schema, Channel, Metadata, then Chunk + MessageIndex pairs, then DataEnd and a
 * summary (Schema, Channel, Statistics, MetadataIndex, ChunkIndex groups, SummaryOffsets), Footer,
 * magic. Schema and channel come before any chunk, so a reader of a cut-off file knows them.
 */
export class ChunkedMcapFile {
  readonly #file: AppendFile;
  readonly #start: ChunkedMcapFileStart;
  readonly #chunk = new McapChunkBuilder({ useMessageIndex: true });
  readonly #records = new McapRecordBuilder();
  readonly #chunkIndexes: McapTypes.ChunkIndex[] = [];
  readonly #metadataIndex: McapTypes.MetadataIndex;
  #dataCrc = 0;
  #messages = 0n;
  #startTime = 0n;
  #endTime = 0n;
  #sequence = 0;
  #written = 0;
  #dropped = 0;
  #finished = false;

  constructor(file: AppendFile, start: ChunkedMcapFileStart) {
    this.#file = file;
    this.#start = start;
    const r = this.#records;
    r.writeMagic();
    r.writeHeader(start.header);
    r.writeSchema({ ...start.schema, id: SCHEMA_ID });
    r.writeChannel({ ...start.channel, id: CHANNEL_ID, schemaId: SCHEMA_ID });
    const metadataOffset = r.length;
    r.writeMetadata(start.metadata);
    this.#metadataIndex = { offset: BigInt(metadataOffset), length: BigInt(r.length - metadataOffset), name: start.metadata.name };
    this.#appendData(r.buffer);
  }

  get path(): string {
    return this.#file.path;
  }

  /** Bytes the file will hold once the open chunk is written. */
  get size(): number {
    return this.#file.size + this.#chunk.byteLength;
  }

  /** Messages in the chunk not yet closed. */
  get pendingMessages(): number {
    return this.#chunk.numMessages;
  }

  /** Messages of closed chunks that the OS has accepted: what survives if the process is killed now. */
  get writtenMessages(): number {
    return this.#written;
  }

  /** Messages lost because the file failed or its write queue was full. */
  get droppedMessages(): number {
    return this.#dropped;
  }

  addMessage(logTime: bigint, data: Uint8Array): void {
    this.#chunk.addMessage({ channelId: CHANNEL_ID, sequence: this.#sequence++, logTime, publishTime: logTime, data });
  }

  /** Closes the open chunk and hands it, with its message index, to the file. */
  flushChunk(): void {
    const chunk = this.#chunk;
    const count = chunk.numMessages;
    if (count === 0) return;
    // `buffer` getters of @mcap/core's builders return copies: each is taken once.
    const data = chunk.buffer;
    const r = this.#records;
    r.reset();
    const chunkStart = this.#file.size;
    r.writeChunk({
      messageStartTime: chunk.messageStartTime,
      messageEndTime: chunk.messageEndTime,
      uncompressedSize: BigInt(data.byteLength),
      uncompressedCrc: crc32(data),
      compression: '',
      records: data,
    });
    const chunkLength = r.length;
    const messageIndexOffsets = new Map<number, bigint>();
    for (const index of chunk.indices) {
      messageIndexOffsets.set(index.channelId, BigInt(chunkStart + r.length));
      r.writeMessageIndex(index);
    }
    if (this.#appendData(r.buffer, () => (this.#written += count))) {
      this.#chunkIndexes.push({
        messageStartTime: chunk.messageStartTime,
        messageEndTime: chunk.messageEndTime,
        chunkStartOffset: BigInt(chunkStart),
        chunkLength: BigInt(chunkLength),
        messageIndexOffsets,
        messageIndexLength: BigInt(r.length - chunkLength),
        compression: '',
        compressedSize: BigInt(data.byteLength),
        uncompressedSize: BigInt(data.byteLength),
      });
      if (this.#messages === 0n || chunk.messageStartTime < this.#startTime) this.#startTime = chunk.messageStartTime;
      if (this.#messages === 0n || chunk.messageEndTime > this.#endTime) this.#endTime = chunk.messageEndTime;
      this.#messages += BigInt(count);
    } else {
      this.#dropped += count;
    }
    chunk.reset();
  }

  /** Closes the open chunk, appends DataEnd, the summary and the footer, and closes the file once all is written. */
  finish(): Promise<void> {
    this.#appendSummary();
    return this.#file.close();
  }

  /** `finish` for an exit handler: everything is written before it returns. */
  finishSync(): void {
    this.#appendSummary();
    this.#file.finishSync();
  }

  #appendSummary(): void {
    if (this.#finished) return;
    this.flushChunk();
    this.#finished = true;
    const r = this.#records;
    r.reset();
    // Offsets in the summary are file offsets; `base` is where this buffer will start.
    const base = this.#file.size;
    r.writeDataEnd({ dataSectionCrc: this.#dataCrc });
    const summaryStart = base + r.length;
    const groups: McapTypes.SummaryOffset[] = [];
    const group = (groupOpcode: Opcode, write: () => void) => {
      const start = r.length;
      write();
      if (r.length > start) groups.push({ groupOpcode, groupStart: BigInt(base + start), groupLength: BigInt(r.length - start) });
    };
    group(Opcode.SCHEMA, () => r.writeSchema({ ...this.#start.schema, id: SCHEMA_ID }));
    group(Opcode.CHANNEL, () => r.writeChannel({ ...this.#start.channel, id: CHANNEL_ID, schemaId: SCHEMA_ID }));
    group(Opcode.STATISTICS, () =>
      r.writeStatistics({
        messageCount: this.#messages,
        schemaCount: 1,
        channelCount: 1,
        attachmentCount: 0,
        metadataCount: 1,
        chunkCount: this.#chunkIndexes.length,
        messageStartTime: this.#startTime,
        messageEndTime: this.#endTime,
        channelMessageCounts: new Map([[CHANNEL_ID, this.#messages]]),
      }),
    );
    group(Opcode.METADATA_INDEX, () => r.writeMetadataIndex(this.#metadataIndex));
    group(Opcode.CHUNK_INDEX, () => this.#chunkIndexes.forEach((index) => r.writeChunkIndex(index)));
    const summaryOffsetStart = base + r.length;
    for (const g of groups) r.writeSummaryOffset(g);
    const summaryBytes = r.buffer.subarray(summaryStart - base);
    const footerPrefix = new DataView(new ArrayBuffer(1 + 8 + 8 + 8));
    footerPrefix.setUint8(0, Opcode.FOOTER);
    footerPrefix.setBigUint64(1, 8n + 8n + 4n, true);
    footerPrefix.setBigUint64(9, BigInt(summaryStart), true);
    footerPrefix.setBigUint64(17, BigInt(summaryOffsetStart), true);
    const summaryCrc = crc32(new Uint8Array(footerPrefix.buffer), crc32(summaryBytes));
    r.writeFooter({ summaryStart: BigInt(summaryStart), summaryOffsetStart: BigInt(summaryOffsetStart), summaryCrc });
    r.writeMagic();
    this.#file.append(r.buffer);
  }

  /** Appends bytes of the data section, which its CRC covers. */
  #appendData(bytes: Uint8Array, onWritten?: () => void): boolean {
    if (!this.#file.append(bytes, onWritten)) return false;
    this.#dataCrc = crc32(bytes, this.#dataCrc);
    return true;
  }
}
