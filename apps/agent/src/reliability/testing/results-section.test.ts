import { expect, it } from "vitest";
import { readSection, replaceSection } from "./results-section";

it("appends the section when the file has none, after a blank line", () => {
  expect(replaceSection("# Results\n\nbench table\n", "soak", "figures")).toBe("# Results\n\nbench table\n\n<!-- soak:start -->\nfigures\n<!-- soak:end -->\n");
  expect(replaceSection("", "soak", "figures\n")).toBe("<!-- soak:start -->\nfigures\n<!-- soak:end -->\n");
});

it("replaces only what lies between the markers", () => {
  const before = "head\n<!-- soak:start -->\nold\nold\n<!-- soak:end -->\ntail\n";
  expect(replaceSection(before, "soak", "new")).toBe("head\n<!-- soak:start -->\nnew\n<!-- soak:end -->\ntail\n");
});

it("refuses to guess with a lone marker", () => {
  expect(() => replaceSection("x\n<!-- soak:start -->\nold\n", "soak", "new")).toThrow(/unbalanced/);
  expect(() => replaceSection("x\n<!-- soak:end -->\n", "soak", "new")).toThrow(/unbalanced/);
});

it("reads a section's body back, so a full bench run can carry the soak figures over", () => {
  const text = "head\n<!-- soak:start -->\nfigures\nmore\n<!-- soak:end -->\ntail\n";
  expect(readSection(text, "soak")).toBe("figures\nmore");
  expect(readSection("no markers", "soak")).toBeUndefined();
  expect(replaceSection("# fresh bench report\n", "soak", readSection(text, "soak")!)).toContain("figures\nmore");
});
