// Writes ZIP bytes by hand (local headers, central directory, end record) so tests can build
// honest packages and hostile ones: lying sizes and CRCs, symlink/device mode bits, duplicate
// and escaping names, truncation. Shared by the install, e2e and reliability tests.
import { crc32, deflateRawSync } from "node:zlib";

export interface ZipEntrySpec {
  /** Entry name as stored (no normalisation: "../x", "/etc/x", "a\\b" are written as given). */
  name: string;
  data?: string | Uint8Array;
  /** A directory entry; a trailing "/" is added to the name if missing. */
  dir?: boolean;
  /** Full st_mode (type + permission bits), e.g. 0o100755, 0o120777 (symlink), 0o010644 (FIFO). */
  mode?: number;
  /** "store" or "deflate" (the data is really compressed), or a raw method number written as is over stored data. */
  method?: "store" | "deflate" | number;
  /** Declared CRC-32 (default: the real one). */
  crc?: number;
  /** Declared uncompressed size (default: the real one). */
  size?: number;
  /** Declared compressed size (default: the real one). */
  compressedSize?: number;
  /** Name written in the local header when it should differ from the central directory's. */
  localName?: string;
  /** Extra fields, written in both headers (e.g. id 0x000d, the PKWARE Unix link field). */
  extra?: Array<{ id: number; data: Uint8Array }>;
  /** Set the "encrypted" flag bit (the data is not actually encrypted). */
  encrypted?: boolean;
}

export interface ZipOptions {
  /** Keep only the first N bytes of the archive. */
  truncate?: number;
  comment?: string;
}

const UNIX_MADE_BY = (3 << 8) | 30;
const DOS_DIR_ATTR = 0x10;
const UTF8_FLAG = 0x0800;
// 2024-01-01 00:00:00 in DOS format; fixed so identical inputs give identical bytes.
const DOS_TIME = 0;
const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1;

export function buildZip(entries: ZipEntrySpec[], opts: ZipOptions = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;

  for (const e of entries) {
    const name = e.dir && !e.name.endsWith("/") ? `${e.name}/` : e.name;
    const raw = toBytes(e.data ?? "");
    const method = e.method ?? (raw.length > 0 ? "deflate" : "store");
    const stored = method === "deflate" ? deflateRawSync(raw) : raw;
    const crc = e.crc ?? crc32(raw);
    const size = e.size ?? raw.length;
    const csize = e.compressedSize ?? stored.length;
    const methodCode = typeof method === "number" ? method : method === "deflate" ? 8 : 0;
    const flags = UTF8_FLAG | (e.encrypted ? 1 : 0);
    const extra = Buffer.concat(
      (e.extra ?? []).map((f) => {
        const h = Buffer.alloc(4);
        h.writeUInt16LE(f.id, 0);
        h.writeUInt16LE(f.data.length, 2);
        return Buffer.concat([h, Buffer.from(f.data)]);
      }),
    );
    const nameBytes = Buffer.from(name, "utf8");
    const localNameBytes = Buffer.from(e.localName ?? name, "utf8");
    const mode = e.mode ?? (e.dir ? 0o040755 : 0o100644);
    const external = (((mode & 0xffff) << 16) | (e.dir ? DOS_DIR_ATTR : 0)) >>> 0;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(methodCode, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(csize, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(localNameBytes.length, 26);
    local.writeUInt16LE(extra.length, 28);
    const localRecord = Buffer.concat([local, localNameBytes, extra, stored]);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(UNIX_MADE_BY, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(methodCode, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(csize, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt16LE(extra.length, 30);
    central.writeUInt16LE(0, 32); // comment length
    central.writeUInt16LE(0, 34); // disk number start
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(external, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(Buffer.concat([central, nameBytes, extra]));

    locals.push(localRecord);
    offset += localRecord.length;
  }

  const cd = Buffer.concat(centrals);
  const comment = Buffer.from(opts.comment ?? "", "utf8");
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(comment.length, 20);

  const zip = Buffer.concat([...locals, cd, end, comment]);
  return opts.truncate === undefined ? zip : zip.subarray(0, opts.truncate);
}

function toBytes(data: string | Uint8Array): Buffer {
  return typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
}

/** The same ZIP without `name` in its central directory: its local entry stays, unlisted (a "hidden" file). */
export function hideFromCentralDirectory(zip: Buffer, name: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const cdSize = zip.readUInt32LE(eocd + 12);
  const cdStart = zip.readUInt32LE(eocd + 16);
  const records: Buffer[] = [];
  for (let p = cdStart; p < cdStart + cdSize; ) {
    const len = 46 + zip.readUInt16LE(p + 28) + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
    const rec = zip.subarray(p, p + len);
    if (rec.subarray(46, 46 + zip.readUInt16LE(p + 28)).toString() !== name) records.push(rec);
    p += len;
  }
  const cd = Buffer.concat(records);
  const end = Buffer.from(zip.subarray(eocd));
  end.writeUInt16LE(records.length, 8);
  end.writeUInt16LE(records.length, 10);
  end.writeUInt32LE(cd.length, 12);
  return Buffer.concat([zip.subarray(0, cdStart), cd, end]);
}
