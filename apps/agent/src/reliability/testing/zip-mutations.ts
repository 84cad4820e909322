// fast-check arbitraries for package ZIPs that start honest and are then damaged the ways a
// hostile or broken upload can be: flipped bytes, truncation, inserted junk, rewritten header
// fields (sizes, CRCs, offsets, counts, methods, modes), rewritten names, hostile names built
// from "..", unicode and NUL, huge entry counts, and zip64 records and fields that lie.
import fc from "fast-check";
import { shellServiceZip, shellBodies } from "../../install/testing/package-fixtures";
import { buildZip, type ZipEntrySpec } from "../../install/testing/zip-builder";
import { writeField, zipLayout } from "./zip-layout";

export interface FuzzZip {
  zip: Buffer;
  /** What was done to it, for the counterexample fast-check prints. */
  how: string[];
}

function fuzzZip(zip: Buffer, how: string[]): FuzzZip {
  // fast-check prints values with this method: a list of steps beats 300 bytes of hex.
  return Object.assign({ zip, how }, { [fc.toStringMethod]: () => `FuzzZip(${zip.length} bytes: ${how.join(" → ")})` });
}

/** Honest packages for `name`: the executable is a root file named like the package or bin/run via sysward.json. */
export function basePackages(name: string): Array<{ label: string; zip: Buffer }> {
  return [
    { label: "root-exec", zip: shellServiceZip(name, shellBodies.steady("fuzz")) },
    {
      label: "manifest",
      zip: shellServiceZip(name, shellBodies.steady("fuzz"), {
        manifest: { args: ["a"] },
        extra: [
          { name: "conf/", dir: true },
          { name: "conf/app.conf", data: "a=1\n".repeat(40), method: "store" },
          { name: "data/blob.bin", data: Buffer.alloc(3000, 7) },
          { name: "empty", data: "" },
        ],
      }),
    },
  ];
}

const U32_EDGES = [0, 1, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

// ---------------------------------------------------------------- byte-level damage

type Damage = (zip: Buffer) => { zip: Buffer; how: string };

const flipBytes: fc.Arbitrary<Damage> = fc
  .array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 8 })
  .map((flips) => (zip: Buffer) => {
    const out = Buffer.from(zip);
    const where = flips.map((f) => {
      const at = f.at % out.length;
      out[at]! ^= f.xor;
      return at;
    });
    return { zip: out, how: `flip bytes at ${where.join(",")}` };
  });

const truncate: fc.Arbitrary<Damage> = fc.nat().map((n) => (zip: Buffer) => {
  const keep = n % zip.length;
  return { zip: zip.subarray(0, keep), how: `truncate to ${keep}` };
});

const insertJunk: fc.Arbitrary<Damage> = fc
  .tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 64 }))
  .map(([n, junk]) => (zip: Buffer) => {
    const at = n % (zip.length + 1);
    return { zip: Buffer.concat([zip.subarray(0, at), junk, zip.subarray(at)]), how: `insert ${junk.length} bytes at ${at}` };
  });

const rewriteField: fc.Arbitrary<Damage> = fc
  .tuple(fc.nat(), fc.oneof(fc.constantFrom(...U32_EDGES), fc.nat({ max: 0xffffffff })))
  .map(([n, value]) => (zip: Buffer) => {
    let layout;
    try {
      layout = zipLayout(zip);
    } catch {
      return { zip, how: "rewrite field (no layout: skipped)" };
    }
    const field = layout.fields[n % layout.fields.length]!;
    const out = Buffer.from(zip);
    writeField(out, field, value);
    return { zip: out, how: `${field.label} = 0x${value.toString(16)}` };
  });

/** Overwrites the bytes of one stored name (central or local copy) with bytes from a hostile alphabet. */
const rewriteName: fc.Arbitrary<Damage> = fc
  .tuple(fc.nat(), fc.boolean(), fc.array(fc.constantFrom(0x2e, 0x2f, 0x00, 0x5c, 0x3a, 0xc3, 0xa9, 0xff, 0x0a, 0x41), { minLength: 1, maxLength: 16 }))
  .map(([n, local, bytes]) => (zip: Buffer) => {
    let layout;
    try {
      layout = zipLayout(zip);
    } catch {
      return { zip, how: "rewrite name (no layout: skipped)" };
    }
    const e = layout.entries[n % layout.entries.length];
    if (!e) return { zip, how: "rewrite name (no entries: skipped)" };
    const out = Buffer.from(zip);
    const start = local ? e.local + 30 : e.nameOffset;
    for (let i = 0; i < e.nameLength; i++) out[start + i] = bytes[i % bytes.length]!;
    return { zip: out, how: `${local ? "local" : "central"} name of entry ${n % layout.entries.length} = ${JSON.stringify(out.subarray(start, start + e.nameLength).toString("latin1"))}` };
  });

export const damage: fc.Arbitrary<Damage> = fc.oneof(
  { weight: 3, arbitrary: flipBytes },
  { weight: 2, arbitrary: truncate },
  { weight: 1, arbitrary: insertJunk },
  { weight: 4, arbitrary: rewriteField },
  { weight: 2, arbitrary: rewriteName },
);

// ---------------------------------------------------------------- hostile structure

const SEGMENTS = ["..", ".", "", "a", "bin", "é", "e\u0301", "\u0000", "x\u0000y", "\\", "..\\..", "C:", "日本語", "\u202e", "\ufeff", "\ud800", " ", "...", "\n", "\u007f", "a".repeat(256)];

const segment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SEGMENTS) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
);

export const hostileName = fc
  .tuple(fc.boolean(), fc.array(segment, { minLength: 1, maxLength: 6 }), fc.boolean())
  .map(([lead, segs, trail]) => `${lead ? "/" : ""}${segs.join("/")}${trail ? "/" : ""}`);

const hostileEntry: fc.Arbitrary<ZipEntrySpec> = fc.record(
  {
    name: hostileName,
    dir: fc.boolean(),
    data: fc.uint8Array({ maxLength: 64 }),
    method: fc.constantFrom<"store" | "deflate">("store", "deflate"),
    localName: hostileName,
    mode: fc.constantFrom(0o100644, 0o100755, 0o040755, 0o120777, 0o010644, 0o020644, 0),
  },
  { requiredKeys: ["name"] },
);

/** The package's honest executable plus entries with hostile names (and, sometimes, modes or a disagreeing local name). */
const hostileNames = (name: string): fc.Arbitrary<FuzzZip> =>
  fc.array(hostileEntry, { minLength: 1, maxLength: 5 }).map((extra) => {
    const exe: ZipEntrySpec = { name, data: "#!/bin/sh\necho fuzz started; exec sleep 600\n", mode: 0o100755 };
    const entries = extra.map((e) => (e.dir ? { ...e, data: undefined } : e));
    return fuzzZip(buildZip([exe, ...entries]), [`names ${JSON.stringify(entries.map((e) => e.name))}`]);
  });

/** Entry counts at and past the limit (10,000), up to the most a plain end record can declare. */
const manyEntries = (name: string): fc.Arbitrary<FuzzZip> => {
  // Built once per count: they are the same every time and take a while to make.
  const made = new Map<number, Buffer>();
  return fc.constantFrom(10_001, 20_000, 65_535).map((n) => {
    let zip = made.get(n);
    if (!zip) {
      const exe: ZipEntrySpec = { name, data: "#!/bin/sh\nexec sleep 600\n", mode: 0o100755 };
      const files = Array.from({ length: n - 1 }, (_, i): ZipEntrySpec => ({ name: `f${i}`, method: "store" }));
      made.set(n, (zip = buildZip([exe, ...files])));
    }
    return fuzzZip(zip, [`${n} entries`]);
  });
};

const u64 = fc.oneof(fc.constantFrom(0n, 1n, 0xffffffffn, 0x100000000n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));

/** A zip64 extended-information field (id 1) on the executable, with the 32-bit fields it overrides set to 0xFFFFFFFF. */
const zip64Extra = (name: string): fc.Arbitrary<FuzzZip> =>
  fc
    .tuple(fc.array(u64, { maxLength: 4 }), fc.subarray(["size", "csize", "localOffset"] as const), fc.boolean())
    .map(([values, overridden, centralOnly]) => {
      const data = Buffer.alloc(values.length * 8);
      values.forEach((v, i) => data.writeBigUInt64LE(v, i * 8));
      const zip = buildZip([
        { name, data: "#!/bin/sh\nexec sleep 600\n", mode: 0o100755, extra: [{ id: 0x0001, data }] },
        { name: "other", data: "x".repeat(100) },
      ]);
      const targets = overridden.flatMap((o) => (centralOnly || o === "localOffset" ? [`central[0].${o}`] : [`central[0].${o}`, `local[0].${o}`]));
      for (const f of zipLayout(zip).fields) if (targets.includes(f.label)) writeField(zip, f, 0xffffffff);
      return fuzzZip(zip, [`zip64 extra [${values.join(",")}] overriding ${targets.join(",") || "nothing"}`]);
    });

/** A zip64 end record and locator before the end record, whose fields may lie, with the end record pointing at them. */
const zip64End = (base: Buffer[]): fc.Arbitrary<FuzzZip> =>
  fc
    .tuple(fc.constantFrom(...base.keys()), fc.option(u64), fc.option(u64), fc.option(u64), fc.option(u64), fc.subarray(["entries", "cdSize", "cdOffset"] as const, { minLength: 1 }))
    .map(([b, entries, cdSize, cdOffset, locatorOffset, maxed]) => {
      const honest = base[b]!;
      const layout = zipLayout(honest);
      const end = Buffer.from(honest.subarray(layout.endOffset));
      const realEntries = BigInt(end.readUInt16LE(10));
      const realSize = BigInt(end.readUInt32LE(12));
      const realOffset = BigInt(end.readUInt32LE(16));
      const rec = Buffer.alloc(56);
      rec.writeUInt32LE(0x06064b50, 0);
      rec.writeBigUInt64LE(44n, 4);
      rec.writeUInt16LE(45, 12);
      rec.writeUInt16LE(45, 14);
      rec.writeBigUInt64LE(entries ?? realEntries, 24);
      rec.writeBigUInt64LE(entries ?? realEntries, 32);
      rec.writeBigUInt64LE(cdSize ?? realSize, 40);
      rec.writeBigUInt64LE(cdOffset ?? realOffset, 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(0x07064b50, 0);
      locator.writeBigUInt64LE(locatorOffset ?? BigInt(layout.endOffset), 8);
      locator.writeUInt32LE(1, 16);
      if (maxed.includes("entries")) {
        end.writeUInt16LE(0xffff, 8);
        end.writeUInt16LE(0xffff, 10);
      }
      if (maxed.includes("cdSize")) end.writeUInt32LE(0xffffffff, 12);
      if (maxed.includes("cdOffset")) end.writeUInt32LE(0xffffffff, 16);
      const zip = Buffer.concat([honest.subarray(0, layout.endOffset), rec, locator, end]);
      const lie = (v: bigint | null, what: string) => (v === null ? [] : [`${what}=${v}`]);
      return fuzzZip(zip, [`zip64 end record (${[...lie(entries, "entries"), ...lie(cdSize, "cdSize"), ...lie(cdOffset, "cdOffset"), ...lie(locatorOffset, "at")].join(" ") || "honest"}), end record maxes ${maxed.join(",")}`]);
    });

export interface FuzzOptions {
  /** Include archives of 10,001–65,535 entries (a few hundred KB to 4 MB each). */
  manyEntries?: boolean;
}

/** Damaged, hostile or (rarely) still-honest packages for the service `name`. */
export function fuzzPackage(name: string, opts: FuzzOptions = {}): fc.Arbitrary<FuzzZip> {
  const bases = basePackages(name);
  const zips = bases.map((b) => b.zip);
  const damaged = fc
    .tuple(fc.constantFrom(...bases), fc.array(damage, { minLength: 1, maxLength: 3 }))
    .map(([b, steps]) => {
      let zip = b.zip;
      const how = [b.label];
      for (const step of steps) {
        const r = step(zip);
        zip = r.zip;
        how.push(r.how);
      }
      return fuzzZip(zip, how);
    });
  // Structural cases, sometimes with byte damage on top.
  const structural = fc.oneof(
    { weight: 4, arbitrary: hostileNames(name) },
    { weight: 2, arbitrary: zip64Extra(name) },
    { weight: 2, arbitrary: zip64End(zips) },
    ...(opts.manyEntries ? [{ weight: 1, arbitrary: manyEntries(name) }] : []),
  );
  const structuralDamaged = fc.tuple(structural, fc.option(damage, { freq: 3 })).map(([s, d]) => {
    if (!d) return s;
    const r = d(s.zip);
    return fuzzZip(r.zip, [...s.how, r.how]);
  });
  return fc.oneof({ weight: 3, arbitrary: damaged }, { weight: 2, arbitrary: structuralDamaged });
}
