// Archives the fuzzer found that once broke the agent, kept as fixed examples so every run
// (and the installer's own tests) checks them.
import fc from "fast-check";
import { shellBodies, shellServiceZip } from "../../install/testing/package-fixtures";
import type { FuzzZip } from "./zip-mutations";

/**
 * A zip64 end-of-central-directory locator whose record offset is 2^63. yauzl passed it to
 * fs.read, which threw a RangeError inside an I/O callback: an uncaught exception that killed
 * the agent (fixed by install/bounded-zip-reader.ts).
 */
export function zip64LocatorPastMaxSafeInteger(name: string): FuzzZip {
  const honest = shellServiceZip(name, shellBodies.steady("zip64"));
  const endOffset = honest.length - 22;
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(2n ** 63n, 8);
  locator.writeUInt32LE(1, 16);
  const end = Buffer.from(honest.subarray(endOffset));
  end.writeUInt32LE(0xffffffff, 12); // "see the zip64 record" for the central directory size
  const zip = Buffer.concat([honest.subarray(0, endOffset), locator, end]);
  const how = ["zip64 locator pointing at byte 2^63"];
  return Object.assign({ zip, how }, { [fc.toStringMethod]: () => `FuzzZip(${how[0]})` });
}
