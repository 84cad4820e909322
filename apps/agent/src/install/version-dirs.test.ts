import { existsSync, mkdirSync, mkdtempSync, readlinkSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  listVersionDirs,
  makeVersionId,
  nextVersionNumber,
  partialVersionDir,
  pruneVersions,
  readCurrent,
  switchCurrent,
  versionDir,
} from "./version-dirs";

let pkg: string;
beforeEach(() => (pkg = mkdtempSync(join(tmpdir(), "sysward-versions-"))));
afterEach(() => rmSync(pkg, { recursive: true, force: true }));

describe("version directories", () => {
  it("names versions <n>-<sha8> and numbers past every id seen", () => {
    expect(makeVersionId(3, "abcdef0123456789")).toBe("3-abcdef01");
    expect(nextVersionNumber([])).toBe(1);
    expect(nextVersionNumber(["2-aaaaaaaa", "10-bbbbbbbb", "junk", ".partial-11-cccccccc"])).toBe(11);
  });

  it("lists versions newest first, ignoring partial dirs and junk", async () => {
    for (const d of ["1-aaaaaaaa", "10-bbbbbbbb", "2-cccccccc", ".partial-11-dddddddd", "notaversion"]) {
      mkdirSync(join(pkg, "versions", d), { recursive: true });
    }
    expect(await listVersionDirs(pkg)).toEqual(["10-bbbbbbbb", "2-cccccccc", "1-aaaaaaaa"]);
  });

  it("switches current atomically with a relative symlink, and can switch back", async () => {
    mkdirSync(versionDir(pkg, "1-aaaaaaaa"), { recursive: true });
    mkdirSync(versionDir(pkg, "2-bbbbbbbb"), { recursive: true });
    expect(await readCurrent(pkg)).toBeUndefined();
    await switchCurrent(pkg, "1-aaaaaaaa");
    await switchCurrent(pkg, "2-bbbbbbbb");
    expect(readlinkSync(join(pkg, "current"))).toBe("versions/2-bbbbbbbb");
    expect(await readCurrent(pkg)).toBe("2-bbbbbbbb");
    await switchCurrent(pkg, "1-aaaaaaaa");
    expect(await readCurrent(pkg)).toBe("1-aaaaaaaa");
    expect(readdirSync(pkg).sort()).toEqual(["current", "versions"]);
  });

  it("prunes everything but the kept versions, including partial dirs", async () => {
    for (const id of ["1-aaaaaaaa", "2-bbbbbbbb", "3-cccccccc", "4-dddddddd"]) mkdirSync(versionDir(pkg, id), { recursive: true });
    mkdirSync(partialVersionDir(pkg, "5-eeeeeeee"));
    const removed = await pruneVersions(pkg, new Set(["4-dddddddd", "3-cccccccc", "2-bbbbbbbb"]));
    expect(removed.sort()).toEqual([".partial-5-eeeeeeee", "1-aaaaaaaa"]);
    expect(existsSync(versionDir(pkg, "1-aaaaaaaa"))).toBe(false);
    expect(await listVersionDirs(pkg)).toEqual(["4-dddddddd", "3-cccccccc", "2-bbbbbbbb"]);
  });
});
