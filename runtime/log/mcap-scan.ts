import { open } from 'node:fs/promises';
import { MCAP_MAGIC, McapStreamReader, hasMcapPrefix, type McapTypes } from '@mcap/core';
import { LogError } from './errors.js';

export interface McapChannelInfo {
  readonly channel: McapTypes.Channel;
  /** Undefined for a channel without schema. */
  readonly schema: McapTypes.Schema | undefined;
}

export interface McapScanVisitor {
  /** A channel's first appearance, before any of its messages. */
  channel?(info: McapChannelInfo): void;
  /** A message; `message.data` is only valid during the call. */
  message?(message: McapTypes.Message, info: McapChannelInfo): void;
}

export interface McapScanResult {
  readonly path: string;
  readonly size: number;
  readonly header: McapTypes.Header | null;
  readonly metadata: readonly McapTypes.Metadata[];
  readonly channels: ReadonlyMap<number, McapChannelInfo>;
  /** The footer and closing magic were read: the writer closed the file. */
  readonly complete: boolean;
  /** Bytes after the last complete record that could not be used: the chunk a killed writer was writing. */
  readonly unreadBytes: number;
  /** A damaged record that stopped the reading early; every record before it was read. */
  readonly damage: string | null;
}

const BLOCK = 1 << 20;

/**
 * Reads an MCAP file front to back with `@mcap/core`'s streaming reader, which needs no summary:
 * a file whose writer was killed has no footer, and this reads every complete record of it and
 * reports what is missing instead of failing. Memory stays at about one chunk whatever the file size.
 */
export async function scanMcap(path: string, visitor: McapScanVisitor = {}): Promise<McapScanResult> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new LogError(`${path}: ${(e as Error).message}`);
  }
  try {
    const size = (await handle.stat()).size;
    const buffer = new Uint8Array(BLOCK);
    const first = await handle.read(buffer, 0, BLOCK, 0);
    const magic = Uint8Array.from(MCAP_MAGIC);
    if (first.bytesRead < magic.length && buffer.subarray(0, first.bytesRead).every((b, i) => b === magic[i])) {
      // A writer killed between creating the file and writing its header leaves (a prefix of) nothing.
      return { path, size, header: null, metadata: [], channels: new Map(), complete: false, unreadBytes: size, damage: null };
    }
    if (!hasMcapPrefix(new DataView(buffer.buffer, 0, magic.length))) {
      throw new LogError(`${path}: not an MCAP file (it does not start with the MCAP magic bytes)`);
    }
    const reader = new McapStreamReader({ includeChunks: true, validateCrcs: true });
    const channels = new Map<number, McapChannelInfo>();
    const schemas = new Map<number, McapTypes.Schema>();
    const metadata: McapTypes.Metadata[] = [];
    let header: McapTypes.Header | null = null;
    let appended = 0;
    let consumed = 0;
    let damage: string | null = null;
    let chunk = first;
    for (;;) {
      if (chunk.bytesRead > 0) {
        reader.append(buffer.subarray(0, chunk.bytesRead));
        appended += chunk.bytesRead;
      }
      try {
        for (let record; (record = reader.nextRecord()); ) {
          switch (record.type) {
            case 'Header':
              header = record;
              break;
            case 'Schema':
              schemas.set(record.id, record);
              break;
            case 'Channel':
              if (!channels.has(record.id)) {
                const info = { channel: record, schema: record.schemaId === 0 ? undefined : schemas.get(record.schemaId) };
                channels.set(record.id, info);
                visitor.channel?.(info);
              }
              break;
            case 'Metadata':
              metadata.push(record);
              break;
            case 'Chunk':
              if (record.compression !== '') throw unsupportedCompression(path, record.compression);
              break;
            case 'Message': {
              const info = channels.get(record.channelId);
              if (info) visitor.message?.(record, info);
              break;
            }
          }
          consumed = appended - reader.bytesRemaining();
        }
      } catch (e) {
        if (e instanceof LogError) throw e;
        damage = (e as Error).message;
        break;
      }
      if (reader.done() || appended >= size) break;
      chunk = await handle.read(buffer, 0, BLOCK, appended);
      if (chunk.bytesRead === 0) break;
    }
    return { path, size, header, metadata, channels, complete: reader.done(), unreadBytes: reader.done() ? 0 : size - consumed, damage };
  } finally {
    await handle.close();
  }
}

function unsupportedCompression(path: string, compression: string): LogError {
  return new LogError(
    `${path}: its chunks are compressed with ${compression}, which this build cannot decompress (Node 20 has no ${compression}); ` +
      `write an uncompressed copy first, e.g. \`mcap filter ${path} -o uncompressed.mcap --output-compression none\` with the mcap CLI, ` +
      'or `ros2 bag convert` with an uncompressed mcap output',
  );
}
