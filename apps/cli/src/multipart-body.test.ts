import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { escapeDispositionValue, multipartBody, type MultipartFile } from "./multipart-body";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sysward-cli-multipart-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

function fileAt(path: string, size: number, filename = "pkg.zip"): MultipartFile {
  return { field: "package", filename, contentType: "application/zip", size, open: () => createReadStream(path, { highWaterMark: 64 * 1024 }) };
}

describe("multipartBody", () => {
  it("streams fields, then the file, and a standard parser reads back exactly what went in", async () => {
    const data = randomBytes(300_000); // several read chunks
    const path = join(dir, "a.zip");
    writeFileSync(path, data);
    const body = multipartBody([["name", "hello"], ["healthSeconds", "30"]], fileAt(path, data.length));
    const bytes = await collect(body.chunks());
    expect(bytes.length).toBe(body.contentLength);

    // undici's multipart parser (Response.formData) is the independent reader.
    const form = await new Response(bytes, { headers: { "content-type": body.contentType } }).formData();
    expect(form.get("name")).toBe("hello");
    expect(form.get("healthSeconds")).toBe("30");
    const file = form.get("package") as File;
    expect(file.name).toBe("pkg.zip");
    expect(file.type).toBe("application/zip");
    expect(Buffer.from(await file.arrayBuffer()).equals(data)).toBe(true);

    // The console needs the fields before the file part.
    const text = bytes.toString("latin1");
    expect(text.indexOf('name="name"')).toBeLessThan(text.indexOf('name="package"'));
    expect(text.indexOf('name="healthSeconds"')).toBeLessThan(text.indexOf('name="package"'));
  });

  it("hands the file over piece by piece, never whole", async () => {
    const path = join(dir, "b.zip");
    writeFileSync(path, randomBytes(256 * 1024));
    const sizes: number[] = [];
    for await (const c of multipartBody([["name", "x"]], fileAt(path, 256 * 1024)).chunks()) sizes.push(c.byteLength);
    expect(sizes.length).toBeGreaterThan(3);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024 + 512);
  });

  it("escapes quotes and line breaks in the file name, as browsers do", async () => {
    expect(escapeDispositionValue('a"b\r\nc.zip')).toBe("a%22b%0D%0Ac.zip");
    const path = join(dir, "c.zip");
    writeFileSync(path, "zip");
    const body = multipartBody([["name", "x"]], fileAt(path, 3, 'we"ird\n.zip'));
    const form = await new Response(await collect(body.chunks()), { headers: { "content-type": body.contentType } }).formData();
    // The WHATWG parser undoes the escaping; the part headers themselves never broke.
    expect((form.get("package") as File).name).toBe('we"ird\n.zip');
    expect(form.get("name")).toBe("x");
  });

  it("fails when the file is not the size it was when the length was computed", async () => {
    const path = join(dir, "d.zip");
    writeFileSync(path, randomBytes(1000));
    await expect(collect(multipartBody([["name", "x"]], fileAt(path, 2000)).chunks())).rejects.toThrow(/shrank while it was being uploaded \(1000 of 2000 bytes\)/);
    await expect(collect(multipartBody([["name", "x"]], fileAt(path, 10)).chunks())).rejects.toThrow(/grew while it was being uploaded/);
  });
});
