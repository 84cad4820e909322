// Where the records of an honest ZIP sit (end record, central directory entries, local headers),
// so the fuzzer can rewrite one field of one record in place. Only for archives zip-builder.ts
// made: no comment, no zip64, no data descriptors. Throws on anything else (callers skip the step).

export type FieldWidth = 2 | 4;

export interface ZipField {
  /** "local[1].csize", "central[0].localOffset", "end.entries"... for failure reports. */
  label: string;
  offset: number;
  width: FieldWidth;
}

interface RecordFields {
  [name: string]: [offset: number, width: FieldWidth];
}

const LOCAL_FIELDS: RecordFields = {
  versionNeeded: [4, 2],
  flags: [6, 2],
  method: [8, 2],
  time: [10, 2],
  date: [12, 2],
  crc: [14, 4],
  csize: [18, 4],
  size: [22, 4],
  nameLength: [26, 2],
  extraLength: [28, 2],
};

const CENTRAL_FIELDS: RecordFields = {
  madeBy: [4, 2],
  versionNeeded: [6, 2],
  flags: [8, 2],
  method: [10, 2],
  crc: [16, 4],
  csize: [20, 4],
  size: [24, 4],
  nameLength: [28, 2],
  extraLength: [30, 2],
  commentLength: [32, 2],
  diskStart: [34, 2],
  internalAttrs: [36, 2],
  externalAttrs: [38, 4],
  localOffset: [42, 4],
};

const END_FIELDS: RecordFields = {
  disk: [4, 2],
  cdDisk: [6, 2],
  diskEntries: [8, 2],
  entries: [10, 2],
  cdSize: [12, 4],
  cdOffset: [16, 4],
  commentLength: [20, 2],
};

export interface ZipLayout {
  endOffset: number;
  cdOffset: number;
  /** Offsets of each central directory entry and of the local header it points to. */
  entries: Array<{ central: number; local: number; nameOffset: number; nameLength: number }>;
  /** Every rewritable field of every record. */
  fields: ZipField[];
}

export function zipLayout(zip: Buffer): ZipLayout {
  const endOffset = zip.length - 22;
  if (endOffset < 0 || zip.readUInt32LE(endOffset) !== 0x06054b50) throw new Error("zipLayout: no end record where zip-builder puts it");
  const count = zip.readUInt16LE(endOffset + 10);
  const cdOffset = zip.readUInt32LE(endOffset + 16);
  const entries: ZipLayout["entries"] = [];
  const fields: ZipField[] = Object.entries(END_FIELDS).map(([k, [o, w]]) => ({ label: `end.${k}`, offset: endOffset + o, width: w }));
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`zipLayout: central entry ${i} missing`);
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    entries.push({ central: at, local, nameOffset: at + 46, nameLength });
    for (const [k, [o, w]] of Object.entries(CENTRAL_FIELDS)) fields.push({ label: `central[${i}].${k}`, offset: at + o, width: w });
    for (const [k, [o, w]] of Object.entries(LOCAL_FIELDS)) fields.push({ label: `local[${i}].${k}`, offset: local + o, width: w });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  // After earlier damage a record may point past the end: leave those fields out.
  return { endOffset, cdOffset, entries, fields: fields.filter((f) => f.offset + f.width <= zip.length) };
}

export function writeField(zip: Buffer, f: ZipField, value: number): void {
  if (f.width === 2) zip.writeUInt16LE(value & 0xffff, f.offset);
  else zip.writeUInt32LE(value >>> 0, f.offset);
}
