import "server-only";
// A valid stored (uncompressed) ZIP of any size, produced on the fly as a pull-based stream, and
// a multipart/form-data body around it, so upload tests can send hundreds of MB without ever
// holding them. Bytes are produced only when the reader asks (backpressure end to end).
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";

const UNIX_MADE_BY = (3 << 8) | 30;
const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1;
const PIECE = 1024 * 1024;

export interface ZipFileSpec {
  name: string;
  /** Small files: their bytes. */
  data?: Uint8Array;
  /** Big files: this many bytes of a fixed pattern. */
  size?: number;
  mode?: number;
}

export interface StreamedBody {
  size: number;
  stream(): ReadableStream<Uint8Array>;
}

/** The pattern big entries repeat: 1 MiB of pseudo-random bytes (so nothing compresses it away). */
const pattern = (() => {
  const out = Buffer.alloc(PIECE);
  let x = 0x9e3779b9;
  for (let i = 0; i < PIECE; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  return out;
})();

/** Yields `size` bytes of the pattern in pieces of at most 1 MiB (views: no copies). */
function* patternPieces(size: number): Generator<Uint8Array> {
  for (let left = size; left > 0; left -= PIECE) yield pattern.subarray(0, Math.min(PIECE, left));
}

type Part = () => Generator<Uint8Array>;

export function streamedZip(files: ZipFileSpec[]): StreamedBody & { sha256(): string } {
  const parts: Part[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const size = f.data?.length ?? f.size ?? 0;
    let crc = 0;
    if (f.data) crc = crc32(f.data);
    else for (const piece of patternPieces(size)) crc = crc32(piece, crc);
    const name = Buffer.from(f.name, "utf8");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(size, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const head = Buffer.concat([local, name]);
    parts.push(function* () {
      yield head;
      if (f.data) yield f.data;
      else yield* patternPieces(size);
    });
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(UNIX_MADE_BY, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(size, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((((f.mode ?? 0o100644) & 0xffff) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(Buffer.concat([central, name]));
    offset += head.length + size;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  const tail = Buffer.concat([cd, end]);
  parts.push(function* () {
    yield tail;
  });
  const all = function* () {
    for (const p of parts) yield* p();
  };
  return {
    size: offset + tail.length,
    stream: () => pullStream(all()),
    sha256() {
      const h = createHash("sha256");
      for (const piece of all()) h.update(piece);
      return h.digest("hex");
    },
  };
}

/** Network-sized chunks, as a Node HTTP server hands a request body to Next. */
const WIRE_CHUNK = 64 * 1024;

function pullStream(pieces: Iterator<Uint8Array>): ReadableStream<Uint8Array> {
  let current: Uint8Array | undefined;
  let at = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        while (!current || at >= current.length) {
          const next = pieces.next();
          if (next.done) return controller.close();
          current = next.value;
          at = 0;
        }
        // A copy per chunk: the reader may hold on to it, and the pattern must stay intact.
        controller.enqueue(current.slice(at, at + WIRE_CHUNK));
        at += WIRE_CHUNK;
      },
    },
    { highWaterMark: 0 },
  );
}

export interface MultipartFile {
  field: string;
  filename: string;
  contentType: string;
  body: StreamedBody;
}

/** A multipart/form-data body: the fields in order, then the file, streamed from `file.body`. */
export function streamedMultipart(fields: Array<[string, string]>, file: MultipartFile | null, opts: { fieldsAfterFile?: Array<[string, string]> } = {}): StreamedBody & { contentType: string } {
  const boundary = `----sysward-test-${Math.random().toString(16).slice(2)}`;
  const field = ([k, v]: [string, string]) => `--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  const before = Buffer.from(
    fields.map(field).join("") +
      (file ? `--${boundary}\r\ncontent-disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\ncontent-type: ${file.contentType}\r\n\r\n` : ""),
  );
  const after = Buffer.from(`${file ? "\r\n" : ""}${(opts.fieldsAfterFile ?? []).map(field).join("")}--${boundary}--\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    size: before.length + (file?.body.size ?? 0) + after.length,
    stream() {
      const inner = file?.body.stream().getReader();
      let stage = 0;
      return new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            if (stage === 0) {
              stage = 1;
              controller.enqueue(new Uint8Array(before));
              return;
            }
            if (stage === 1 && inner) {
              const r = await inner.read();
              if (!r.done) return controller.enqueue(r.value);
            }
            if (stage <= 1) {
              stage = 2;
              controller.enqueue(new Uint8Array(after));
              return;
            }
            controller.close();
          },
          cancel(reason) {
            void inner?.cancel(reason);
          },
        },
        { highWaterMark: 0 },
      );
    },
  };
}
