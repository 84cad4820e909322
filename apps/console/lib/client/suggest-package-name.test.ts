import { isValidPackageName } from "@sysward/contract";
import { describe, expect, it } from "vitest";
import { suggestPackageName } from "./suggest-package-name";

describe("suggestPackageName", () => {
  it("drops the extension and characters the rule forbids", () => {
    expect(suggestPackageName("my-app_1.2.zip")).toBe("myapp12");
    expect(suggestPackageName("Web.ZIP")).toBe("Web");
    expect(suggestPackageName("C:\\fakepath\\api.zip")).toBe("api");
  });
  it("produces a valid name whenever the file name has a letter or digit", () => {
    expect(isValidPackageName(suggestPackageName(`${"a".repeat(100)}.zip`))).toBe(true);
    expect(suggestPackageName("---.zip")).toBe("");
  });
});
