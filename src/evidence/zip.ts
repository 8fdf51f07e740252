import { createHash } from "node:crypto";
import type { Writable } from "node:stream";
import { crc32, createDeflateRaw, createInflateRaw, deflateRawSync, inflateRawSync } from "node:zlib";

/**
 * The bundle's zip container, written and read here rather than by a general zip library so that the reader can
 * be strict: it accepts exactly the layout the writer produces (every header field a fixed value or equal to
 * its twin in the central directory, entries contiguous from byte 0, nothing after the end record, each entry's
 * CRC-32, sizes and deflate stream checked). A byte changed anywhere in the file therefore fails by name, which
 * a lenient reader (one that trusts the central directory and skips local headers) would let through.
 *
 * Entries are deflated and streamed with a data descriptor (the sizes are not known up front), with fixed
 * 1980-01-01 times so the same content gives the same bytes. No zip64: each entry and the whole file stay
 * below 4 GiB.
 */
const LOCAL_SIG = 0x04034b50;
const DESCRIPTOR_SIG = 0x08074b50;
const CENTRAL_SIG = 0x02014b50;
const END_SIG = 0x06054b50;
const VERSION = 20;
const FLAGS = 0x0808; // bit 3: sizes in a data descriptor; bit 11: UTF-8 names
const DEFLATE = 8;
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
const LOCAL_LEN = 30;
const DESCRIPTOR_LEN = 16;
const CENTRAL_LEN = 46;
const END_LEN = 22;
const LIMIT = 0xffff_ffff;
const SCRATCH_LIMIT = 1024 * 1024;

export interface WrittenEntry {
  path: string;
  sha256: string;
  bytes: number;
}

interface CentralEntry {
  name: Buffer;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
}

export class ZipError extends Error {
  readonly code = "BUNDLE_ZIP_INVALID";
}

/** Streams entries into `out`, honouring its back-pressure. */
export class ZipWriter {
  private offset = 0;
  private readonly central: CentralEntry[] = [];
  private readonly names = new Set<string>();
  // Text entries are encoded into this buffer, reused from one entry to the next (deflateRawSync copies out of
  // it before the next entry can start): a new Buffer per report was most of the builder's garbage.
  private scratch = Buffer.allocUnsafe(64 * 1024);

  constructor(private readonly out: Writable) {}

  /**
   * Adds one entry from text, bytes, or an async source of either; returns its SHA-256 and length. A source's
   * piece is no longer read once the next one is asked for.
   */
  async add(
    path: string,
    content: string | Uint8Array | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  ): Promise<WrittenEntry> {
    if (this.names.has(path)) throw new ZipError(`duplicate bundle entry ${path}`);
    this.names.add(path);
    const name = Buffer.from(path, "utf8");
    const offset = this.offset;
    const local = Buffer.alloc(LOCAL_LEN);
    local.writeUInt32LE(LOCAL_SIG, 0);
    local.writeUInt16LE(VERSION, 4);
    local.writeUInt16LE(FLAGS, 6);
    local.writeUInt16LE(DEFLATE, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    // crc, sizes (14..25) stay zero: they follow in the data descriptor.
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    await this.write(local);
    await this.write(name);

    const hash = createHash("sha256");
    let crc = 0;
    let size = 0;
    let compressed = 0;
    if (typeof content === "string" || content instanceof Uint8Array) {
      // In-memory content (every report, record, document) is deflated in one call: a zlib stream per small
      // entry leaves its native buffers to the garbage collector, thousands of them at once.
      const bytes = typeof content === "string" ? this.encode(content) : content;
      if (bytes.length > LIMIT) throw new ZipError(`bundle entry ${path} exceeds 4 GiB`);
      hash.update(bytes);
      crc = crc32(bytes);
      size = bytes.length;
      const deflated = deflateRawSync(bytes, { level: 6 });
      compressed = deflated.length;
      await this.write(deflated);
      return this.finishEntry(path, name, offset, hash, crc, compressed, size);
    }
    const deflate = createDeflateRaw({ level: 6 });
    const drained = (async () => {
      for await (const chunk of deflate) {
        compressed += (chunk as Buffer).length;
        await this.write(chunk as Buffer);
      }
    })();
    // Each piece is deflated before the next is asked for, so a source may hand out one buffer it refills
    // (readSpool) and text pieces can share the scratch buffer: no Buffer per piece for the collector.
    const feed = async (piece: string | Uint8Array) => {
      const bytes = typeof piece === "string" ? this.encode(piece) : piece;
      if (bytes.length === 0) return;
      hash.update(bytes);
      crc = crc32(bytes, crc);
      size += bytes.length;
      if (size > LIMIT) throw new ZipError(`bundle entry ${path} exceeds 4 GiB`);
      await new Promise<void>((resolve, reject) =>
        deflate.write(bytes, (error) => (error ? reject(error) : resolve())),
      );
    };
    for await (const piece of content) await feed(piece);
    deflate.end();
    await drained;
    return this.finishEntry(path, name, offset, hash, crc, compressed, size);
  }

  /** `text` as UTF-8 in the scratch buffer (grown to fit, up to 1 MiB; larger text gets its own Buffer). */
  private encode(text: string): Buffer {
    const length = Buffer.byteLength(text, "utf8");
    if (length > this.scratch.length) {
      if (length > SCRATCH_LIMIT) return Buffer.from(text, "utf8");
      this.scratch = Buffer.allocUnsafe(Math.min(SCRATCH_LIMIT, Math.max(length, this.scratch.length * 2)));
    }
    return this.scratch.subarray(0, this.scratch.write(text, 0, "utf8"));
  }

  private async finishEntry(
    path: string,
    name: Buffer,
    offset: number,
    hash: ReturnType<typeof createHash>,
    crc: number,
    compressed: number,
    size: number,
  ): Promise<WrittenEntry> {
    const descriptor = Buffer.alloc(DESCRIPTOR_LEN);
    descriptor.writeUInt32LE(DESCRIPTOR_SIG, 0);
    descriptor.writeUInt32LE(crc >>> 0, 4);
    descriptor.writeUInt32LE(compressed, 8);
    descriptor.writeUInt32LE(size, 12);
    await this.write(descriptor);
    this.central.push({ name, crc: crc >>> 0, compressed, size, offset });
    return { path, sha256: hash.digest("hex"), bytes: size };
  }

  /** Writes the central directory and the end record, then ends `out`. */
  async finish(): Promise<void> {
    const start = this.offset;
    for (const e of this.central) {
      const header = Buffer.alloc(CENTRAL_LEN);
      header.writeUInt32LE(CENTRAL_SIG, 0);
      header.writeUInt16LE(VERSION, 4);
      header.writeUInt16LE(VERSION, 6);
      header.writeUInt16LE(FLAGS, 8);
      header.writeUInt16LE(DEFLATE, 10);
      header.writeUInt16LE(DOS_TIME, 12);
      header.writeUInt16LE(DOS_DATE, 14);
      header.writeUInt32LE(e.crc, 16);
      header.writeUInt32LE(e.compressed, 20);
      header.writeUInt32LE(e.size, 24);
      header.writeUInt16LE(e.name.length, 28);
      // extra, comment, disk, internal and external attributes (30..41) stay zero
      header.writeUInt32LE(e.offset, 42);
      await this.write(header);
      await this.write(e.name);
    }
    if (this.central.length > 0xffff) throw new ZipError("a bundle holds at most 65,535 files");
    const end = Buffer.alloc(END_LEN);
    end.writeUInt32LE(END_SIG, 0);
    end.writeUInt16LE(this.central.length, 8);
    end.writeUInt16LE(this.central.length, 10);
    end.writeUInt32LE(this.offset - start, 12);
    end.writeUInt32LE(start, 16);
    await this.write(end);
    await new Promise<void>((resolve, reject) => {
      this.out.once("error", reject);
      this.out.end(resolve);
    });
  }

  private async write(bytes: Buffer): Promise<void> {
    this.offset += bytes.length;
    if (this.offset > LIMIT) throw new ZipError("the bundle exceeds 4 GiB");
    if (!this.out.write(bytes)) {
      await new Promise<void>((resolve, reject) => {
        const cleanup = () => {
          this.out.off("drain", onDrain);
          this.out.off("close", onDrain);
          this.out.off("error", onError);
        };
        const onDrain = () => {
          cleanup();
          resolve();
        };
        const onError = (error: Error) => {
          cleanup();
          reject(error);
        };
        this.out.once("drain", onDrain);
        this.out.once("close", onDrain);
        this.out.once("error", onError);
      });
    }
  }
}

/** An entry of a bundle read strictly: its content was inflated once and checked, then let go. */
export interface ZipEntry {
  size: number;
  sha256: string;
  /** Inflates the entry again (it inflated without error and to the CRC-32 checked). */
  content(): Buffer;
}

/** The entries of a bundle zip with their content in memory (tests, small bundles). */
export function readZipStrict(data: Uint8Array): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of zipLayout(data)) {
    let content: Buffer;
    try {
      const result = inflateRawSync(entry.deflated, { info: true }) as unknown as {
        buffer: Buffer;
        engine: { bytesWritten: number };
      };
      content = result.buffer;
      if (result.engine.bytesWritten !== entry.deflated.length)
        throw new Error("trailing bytes after the deflate stream");
    } catch (error) {
      throw damaged(entry.path, error);
    }
    if (content.length !== entry.size || crc32(content) >>> 0 !== entry.crc) throw altered(entry.path);
    if (files.has(entry.path)) throw new ZipError(`entry ${entry.path} appears twice`);
    files.set(entry.path, content);
  }
  return files;
}

/**
 * Reads a bundle zip strictly (see the module comment) without holding its content: each entry is inflated as
 * a stream, its CRC-32, length and SHA-256 taken chunk by chunk, so a verifier's memory is the zip and the
 * entries it asks for, whatever the size of the unzipped bundle. Returns the entries in order; throws ZipError
 * naming the first problem (a zip whose structure is broken cannot be read further).
 */
export async function readZipEntries(data: Uint8Array): Promise<Map<string, ZipEntry>> {
  const files = new Map<string, ZipEntry>();
  for (const entry of zipLayout(data)) {
    const inflate = createInflateRaw();
    const hash = createHash("sha256");
    let crc = 0;
    let size = 0;
    try {
      inflate.end(entry.deflated);
      for await (const chunk of inflate as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > entry.size) break; // altered; and never inflate past the stated size
        hash.update(chunk);
        crc = crc32(chunk, crc);
      }
    } catch (error) {
      throw damaged(entry.path, error);
    } finally {
      inflate.destroy();
    }
    if (size <= entry.size && inflate.bytesWritten !== entry.deflated.length)
      throw damaged(entry.path, new Error("trailing bytes after the deflate stream"));
    if (size !== entry.size || crc >>> 0 !== entry.crc) throw altered(entry.path);
    if (files.has(entry.path)) throw new ZipError(`entry ${entry.path} appears twice`);
    const deflated = entry.deflated;
    files.set(entry.path, {
      size,
      sha256: hash.digest("hex"),
      content: () => inflateRawSync(deflated),
    });
  }
  return files;
}

function damaged(path: string, error: unknown): ZipError {
  return new ZipError(`entry ${path}: its compressed data is damaged (${(error as Error).message})`);
}

function altered(path: string): ZipError {
  return new ZipError(`entry ${path}: its content does not match its CRC-32 (altered)`);
}

interface LaidOutEntry {
  path: string;
  crc: number;
  size: number;
  deflated: Buffer;
}

/**
 * Every header of the zip checked, entry by entry in file order: yields each entry's deflated bytes once its
 * central and local headers and data descriptor agree; after the last, checks nothing lies between or after.
 */
function* zipLayout(data: Uint8Array): Generator<LaidOutEntry> {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < END_LEN) throw new ZipError("the file is too short to be a zip archive");
  const endAt = buf.length - END_LEN;
  if (buf.readUInt32LE(endAt) !== END_SIG)
    throw new ZipError("no zip end record at the end of the file (truncated, or bytes appended)");
  const count = buf.readUInt16LE(8 + endAt);
  if (buf.readUInt32LE(endAt + 4) !== 0 || buf.readUInt16LE(endAt + 10) !== count)
    throw new ZipError("zip end record: disk numbers or entry counts were altered");
  const cdSize = buf.readUInt32LE(endAt + 12);
  const cdStart = buf.readUInt32LE(endAt + 16);
  if (buf.readUInt16LE(endAt + 20) !== 0) throw new ZipError("zip end record: a comment length was set");
  if (cdStart + cdSize !== endAt)
    throw new ZipError("zip end record: the central directory's size or offset was altered");

  let at = cdStart;
  let expectedOffset = 0;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_LEN > endAt || buf.readUInt32LE(at) !== CENTRAL_SIG)
      throw new ZipError(`central directory entry ${i + 1} is damaged`);
    const fixed =
      buf.readUInt16LE(at + 4) === VERSION &&
      buf.readUInt16LE(at + 6) === VERSION &&
      buf.readUInt16LE(at + 8) === FLAGS &&
      buf.readUInt16LE(at + 10) === DEFLATE &&
      buf.readUInt16LE(at + 12) === DOS_TIME &&
      buf.readUInt16LE(at + 14) === DOS_DATE &&
      buf.readUInt16LE(at + 30) === 0 &&
      buf.readUInt16LE(at + 32) === 0 &&
      buf.readUInt16LE(at + 34) === 0 &&
      buf.readUInt16LE(at + 36) === 0 &&
      buf.readUInt32LE(at + 38) === 0;
    const crc = buf.readUInt32LE(at + 16);
    const compressed = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLen = buf.readUInt16LE(at + 28);
    const offset = buf.readUInt32LE(at + 42);
    if (at + CENTRAL_LEN + nameLen > endAt) throw new ZipError(`central directory entry ${i + 1} is damaged`);
    const name = buf.subarray(at + CENTRAL_LEN, at + CENTRAL_LEN + nameLen);
    const path = decodeName(name, i + 1);
    if (!fixed) throw new ZipError(`central directory entry of ${path}: a header field was altered`);
    if (offset !== expectedOffset)
      throw new ZipError(`central directory entry of ${path}: its offset was altered`);
    at += CENTRAL_LEN + nameLen;

    // The local header must be the fixed fields, zero sizes (they are in the descriptor) and the same name.
    if (offset + LOCAL_LEN > cdStart || buf.readUInt32LE(offset) !== LOCAL_SIG)
      throw new ZipError(`local header of ${path} is damaged`);
    const localOk =
      buf.readUInt16LE(offset + 4) === VERSION &&
      buf.readUInt16LE(offset + 6) === FLAGS &&
      buf.readUInt16LE(offset + 8) === DEFLATE &&
      buf.readUInt16LE(offset + 10) === DOS_TIME &&
      buf.readUInt16LE(offset + 12) === DOS_DATE &&
      buf.readUInt32LE(offset + 14) === 0 &&
      buf.readUInt32LE(offset + 18) === 0 &&
      buf.readUInt32LE(offset + 22) === 0 &&
      buf.readUInt16LE(offset + 26) === nameLen &&
      buf.readUInt16LE(offset + 28) === 0;
    if (!localOk) throw new ZipError(`local header of ${path}: a header field was altered`);
    if (!buf.subarray(offset + LOCAL_LEN, offset + LOCAL_LEN + nameLen).equals(name))
      throw new ZipError(`local header of ${path}: its name differs from the central directory's`);
    const dataStart = offset + LOCAL_LEN + nameLen;
    const dataEnd = dataStart + compressed;
    if (dataEnd + DESCRIPTOR_LEN > cdStart) throw new ZipError(`entry ${path}: its size was altered`);
    const descriptorOk =
      buf.readUInt32LE(dataEnd) === DESCRIPTOR_SIG &&
      buf.readUInt32LE(dataEnd + 4) === crc &&
      buf.readUInt32LE(dataEnd + 8) === compressed &&
      buf.readUInt32LE(dataEnd + 12) === size;
    if (!descriptorOk)
      throw new ZipError(`entry ${path}: its data descriptor differs from the central directory`);
    yield { path, crc, size, deflated: buf.subarray(dataStart, dataEnd) };
    expectedOffset = dataEnd + DESCRIPTOR_LEN;
  }
  if (at !== endAt) throw new ZipError("the central directory holds more than its entries");
  if (expectedOffset !== cdStart) throw new ZipError("bytes between the entries and the central directory");
}

function decodeName(name: Buffer, n: number): string {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(name);
  if (!/^[A-Za-z0-9._\-/]+$/u.test(text) || text.startsWith("/") || text.split("/").includes(".."))
    throw new ZipError(`entry ${n} has a name that is not a plain relative path`);
  return text;
}
