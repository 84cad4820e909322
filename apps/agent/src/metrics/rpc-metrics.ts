// RPC counters and latencies by method and Connect code, named after go-grpc-prometheus
// (grpc_server_started_total / handled_total / handling_seconds). A streaming call is handled
// when its stream ends, so its duration is the stream's life.
import { Counter, Histogram, type Registry } from "prom-client";

/** From sub-millisecond reads to installs with a health window and hour-long streams. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600];

export class RpcMetrics {
  readonly #started: Counter<"method">;
  readonly #handled: Counter<"method" | "code">;
  readonly #seconds: Histogram<"method" | "code">;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#started = new Counter({ name: "sysward_agent_rpc_started_total", help: "RPCs received, by method.", labelNames: ["method"], registers });
    this.#handled = new Counter({
      name: "sysward_agent_rpc_handled_total",
      help: "RPCs completed, by method and Connect code (OK, Unauthenticated, NotFound, ...).",
      labelNames: ["method", "code"],
      registers,
    });
    this.#seconds = new Histogram({
      name: "sysward_agent_rpc_duration_seconds",
      help: "Time from receiving an RPC to its end (a stream's end for streaming calls), by method and code.",
      labelNames: ["method", "code"],
      buckets: BUCKETS,
      registers,
    });
  }

  /** Counts the call as started; the returned function ends it with its code (later calls are ignored). */
  start(method: string): (code: string) => void {
    this.#started.inc({ method });
    const t0 = performance.now();
    let ended = false;
    return (code) => {
      if (ended) return;
      ended = true;
      this.#handled.inc({ method, code });
      this.#seconds.observe({ method, code }, (performance.now() - t0) / 1000);
    };
  }
}
