import { describe, expect, it } from "vitest";
import { uploadForm } from "./upload-request";

describe("uploadForm", () => {
  it("puts name, healthSeconds and the file's size before the file part, which the route needs", () => {
    const file = new File([new Uint8Array(1234)], "hello.zip", { type: "application/zip" });
    const form = uploadForm({ name: "hello", healthSeconds: 5, file });
    expect([...form.keys()]).toEqual(["name", "healthSeconds", "sizeBytes", "package"]);
    expect(form.get("sizeBytes")).toBe("1234");
    expect((form.get("package") as File).name).toBe("hello.zip");
    expect([...uploadForm({ name: "hello", file }).keys()]).toEqual(["name", "sizeBytes", "package"]);
  });
});
