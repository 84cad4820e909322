// The proto JSON of a sample, computed once per sample: /debug/vars may be asked for far more
// often than samples change, and toJson walks the schema by reflection. Keyed by the frozen
// sample itself, so an entry lives exactly as long as someone holds that sample.
import { toJson, type JsonObject } from "@bufbuild/protobuf";
import { PerfSampleSchema, type PerfSample } from "@sysward/proto";

const cache = new WeakMap<PerfSample, JsonObject>();

/** Canonical proto JSON (camelCase, uint64 as strings), frozen; the same object for the same sample. */
export function perfSampleJson(sample: PerfSample): JsonObject {
  let json = cache.get(sample);
  if (!json) {
    json = deepFreezeJson(toJson(PerfSampleSchema, sample, { alwaysEmitImplicit: true }) as JsonObject);
    cache.set(sample, json);
  }
  return json;
}

function deepFreezeJson<T>(v: T): T {
  if (typeof v === "object" && v !== null) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreezeJson(x);
  }
  return v;
}
