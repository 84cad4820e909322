import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatLabels, matchesSelector, parseLabelEdits, parseSelector, SelectorError } from "./selector";

const web = { env: "prod", role: "web" };
const api = { env: "prod", role: "api", canary: "" };
const db = { env: "staging", role: "db" };
const bare = {};
const machines = { web, api, db, bare };

/** Names of the machines the selector picks. */
const pick = (sel: string) => Object.entries(machines).filter(([, l]) => matchesSelector(l, parseSelector(sel))).map(([n]) => n);

describe("parseSelector + matchesSelector", () => {
  it("an empty selector picks every machine", () => {
    expect(parseSelector("")).toEqual([]);
    expect(parseSelector("   ")).toEqual([]);
    expect(pick("")).toEqual(["web", "api", "db", "bare"]);
  });

  it("equality, inequality and their spellings", () => {
    expect(pick("env=prod")).toEqual(["web", "api"]);
    expect(pick("env==prod")).toEqual(["web", "api"]);
    // != also picks machines without the label at all.
    expect(pick("env!=prod")).toEqual(["db", "bare"]);
    expect(pick("canary=")).toEqual(["api"]);
  });

  it("sets, with spaces anywhere between words", () => {
    expect(pick("role in (web,api)")).toEqual(["web", "api"]);
    expect(pick(" role  in ( web , api ) ")).toEqual(["web", "api"]);
    expect(pick("role notin (web,api)")).toEqual(["db", "bare"]);
  });

  it("existence and absence", () => {
    expect(pick("canary")).toEqual(["api"]);
    expect(pick("!canary")).toEqual(["web", "db", "bare"]);
    expect(pick("!role")).toEqual(["bare"]);
  });

  it("requirements joined by commas must all hold", () => {
    expect(pick("env=prod,role in (web,api)")).toEqual(["web", "api"]);
    expect(pick("env=prod,role in (web,api),!canary")).toEqual(["web"]);
    expect(pick("env=prod,env=staging")).toEqual([]);
  });

  it("keys with dots, slashes and dashes; `in` is a key like any other", () => {
    expect(parseSelector("sysward.io/zone=eu-1")).toEqual([{ key: "sysward.io/zone", op: "in", values: ["eu-1"] }]);
    expect(parseSelector("in,notin")).toEqual([{ key: "in", op: "exists" }, { key: "notin", op: "exists" }]);
  });

  it.each([
    ["env=", null],
    ["=prod", /expected a label key at 1/],
    ["env=prod,", /expected a label key at 10 \(end of selector\)/],
    ["env prod", /expected "," between requirements at 5/],
    ["role in web", /expected "\(" after in/],
    ["role in (web", /expected "," or "\)"/],
    ["env=pr*d", /unexpected "\*" at 7/],
    ["-env=prod", /label key "-env"/],
    ["env=a/b", /label value "a\/b"/],
    ["!", /expected a label key/],
    ["!env=prod", /expected "," between requirements/],
  ])("%s → %s", (text, error) => {
    if (error === null) expect(() => parseSelector(text)).not.toThrow();
    else expect(() => parseSelector(text)).toThrow(error);
  });

  it("says where it went wrong", () => {
    try {
      parseSelector("env=prod, role in web");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SelectorError);
      expect((err as SelectorError).position).toBe(18);
    }
  });
});

describe("parseLabelEdits", () => {
  it("key=value sets, key- removes", () => {
    expect(parseLabelEdits(["env=prod", "role=web", "canary-", "note="])).toEqual({ set: { env: "prod", role: "web", note: "" }, remove: ["canary"] });
  });

  it("refuses bad words, naming them", () => {
    expect(() => parseLabelEdits(["env"])).toThrow(/"env" is neither key=value/);
    expect(() => parseLabelEdits(["en v=prod"])).toThrow(/label key "en v"/);
    expect(() => parseLabelEdits(["env=pr od"])).toThrow(/label value "pr od"/);
    expect(() => parseLabelEdits(["env=prod", "env-"])).toThrow(/both set and removed/);
    expect(() => parseLabelEdits(["-"])).toThrow(/label key ""/);
  });
});

it("formatLabels: keys in order, one line", () => {
  expect(formatLabels({ role: "web", env: "prod" })).toBe("env=prod,role=web");
  expect(formatLabels({})).toBe("");
});

describe("properties", () => {
  const key = fc.stringMatching(/^[a-z0-9](?:[a-z0-9._/-]{0,8}[a-z0-9])?$/);
  const value = fc.stringMatching(/^[A-Za-z0-9._-]{0,8}$/);
  const labels = fc.dictionary(key, value, { maxKeys: 6 });

  it("a machine matches the selector written from its own labels", () => {
    fc.assert(fc.property(labels, (l) => matchesSelector(l, parseSelector(formatLabels(l)))));
  });

  it("`!k` picks exactly the machines `k` does not, and `k!=v` exactly those `k=v` does not", () => {
    fc.assert(
      fc.property(labels, key, value, (l, k, v) => {
        expect(matchesSelector(l, parseSelector(`!${k}`))).toBe(!matchesSelector(l, parseSelector(k)));
        expect(matchesSelector(l, parseSelector(`${k}!=${v}`))).toBe(!matchesSelector(l, parseSelector(`${k}=${v}`)));
      }),
    );
  });
});
