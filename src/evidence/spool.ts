import { type FileHandle, open } from "node:fs/promises";

/** Where the builder writes text it copies into the bundle later (a spool file, or a stand-in in tests). */
export interface TextSink {
  write(text: string): Promise<void>;
}

const BUFFER_BYTES = 256 * 1024;
// UTF-8 needs at most 3 bytes per UTF-16 code unit (a surrogate pair is 2 units for 4 bytes).
const MAX_BYTES_PER_UNIT = 3;

/**
 * An append-only temporary file written through one buffer that is reused: text is encoded straight into the
 * buffer, which goes to the file when full. A fs.WriteStream makes a new Buffer of every string written; for a
 * 100,000-finding bundle those were hundreds of megabytes of short-lived ArrayBuffers, the bulk of the store's
 * peak RSS while building (bench/README.md, evidence bundles).
 */
export class SpoolFile implements TextSink {
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;

  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
  ) {}

  static async create(path: string): Promise<SpoolFile> {
    return new SpoolFile(await open(path, "wx", 0o600), path);
  }

  async write(text: string): Promise<void> {
    const bound = text.length * MAX_BYTES_PER_UNIT;
    if (bound > this.buffer.length - this.used) {
      await this.flush();
      if (bound > this.buffer.length) {
        await this.writeAll(Buffer.from(text, "utf8"));
        return;
      }
    }
    this.used += this.buffer.write(text, this.used, "utf8");
  }

  /** Writes what is buffered and closes the file. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.file.close();
    }
  }

  /** Closes the file without writing what is buffered (the build failed). */
  async discard(): Promise<void> {
    await this.file.close().catch(() => undefined);
  }

  private async flush(): Promise<void> {
    await this.writeAll(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  private async writeAll(bytes: Buffer): Promise<void> {
    for (let at = 0; at < bytes.length; ) {
      const { bytesWritten } = await this.file.write(bytes, at, bytes.length - at);
      at += bytesWritten;
    }
  }
}

/**
 * The bytes of a spool file in pieces that share one buffer: each piece is overwritten by the next, so the
 * consumer must be done with it before asking for the next (ZipWriter.add is).
 */
export async function* readSpool(path: string): AsyncGenerator<Buffer> {
  const file = await open(path, "r");
  const buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}
