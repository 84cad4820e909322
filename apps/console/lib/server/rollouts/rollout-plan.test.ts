import { parseSelector } from "@sysward/contract";
import { describe, expect, it } from "vitest";
import { canonicalSelector, parseStrategy, planWaves } from "./rollout-plan";
import { RolloutInputError } from "./rollout-errors";

const strategy = (fields: Record<string, string>) => parseStrategy((n) => fields[n]);

describe("a rollout's plan", () => {
  it("spells one selector one way whatever the order and spacing", () => {
    expect(canonicalSelector(parseSelector("role=web, env=prod"))).toBe(canonicalSelector(parseSelector("env=prod,role=web")));
    expect(canonicalSelector(parseSelector("env in (b,a),gpu"))).toBe("env in (a,b),gpu");
    expect(canonicalSelector(parseSelector("role=web"))).not.toBe(canonicalSelector(parseSelector("role=db")));
  });

  it("puts the canary first, then batches of a count", () => {
    expect(planWaves(6, strategy({ canary: "1", batch: "2" }))).toEqual([0, 1, 1, 2, 2, 3]);
    expect(planWaves(3, strategy({ canary: "0", batch: "2" }))).toEqual([0, 0, 1]);
    expect(planWaves(2, strategy({ canary: "5" }))).toEqual([0, 0]);
  });

  it("sizes percentage batches from all selected hosts, at least one", () => {
    expect(planWaves(10, strategy({ canary: "1", batch: "25%" }))).toEqual([0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
    expect(planWaves(3, strategy({ canary: "1", batch: "1%" }))).toEqual([0, 1, 2]);
  });

  it("has defaults: canary 1, batch 1, 30 s health, stop on failure", () => {
    expect(strategy({})).toEqual({ canary: 1, batch: { count: 1 }, healthSeconds: 30, pauseSeconds: 0, approveAfterCanary: false, onFailure: "stop", waitForDown: false });
  });

  it("refuses bad fields with what is allowed", () => {
    expect(() => strategy({ batch: "0" })).toThrow(RolloutInputError);
    expect(() => strategy({ batch: "150%" })).toThrow(/batch percentage must be a whole number from 1 to 100/);
    expect(() => strategy({ onFailure: "retry" })).toThrow(/"stop" or "revert-all"/);
    expect(() => strategy({ healthSeconds: "-1" })).toThrow(/healthSeconds/);
    expect(() => strategy({ approveAfterCanary: "yes" })).toThrow(/true or false/);
  });
});
