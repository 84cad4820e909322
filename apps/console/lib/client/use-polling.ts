// Calls `load` now and then every `intervalMs` (0: once), keeping the last good data while a
// later call fails, so a table does not blank out on one dropped request. `refresh()` asks again
// at once (after an action). Calls never overlap; unmount aborts the one in flight.
import { useCallback, useEffect, useRef, useState } from "react";
import { isAbort } from "./errors";

export interface Polled<T> {
  data: T | undefined;
  error: unknown;
  /** True until the first call settles. */
  loading: boolean;
  refresh(): void;
}

export function usePolling<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number, deps: readonly unknown[]): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const kick = useRef<() => void>(() => {});

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    let again = false;
    setData(undefined);
    setError(undefined);
    setLoading(true);

    const tick = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      clearTimeout(timer);
      try {
        const result = await load(controller.signal);
        if (controller.signal.aborted) return;
        setData(result);
        setError(undefined);
      } catch (err) {
        if (controller.signal.aborted || isAbort(err)) return;
        setError(err);
      } finally {
        running = false;
        if (!controller.signal.aborted) {
          setLoading(false);
          if (again) {
            again = false;
            void tick();
          } else if (intervalMs > 0) {
            timer = setTimeout(() => void tick(), intervalMs);
          }
        }
      }
    };
    kick.current = () => void tick();
    void tick();
    return () => {
      controller.abort();
      clearTimeout(timer);
      kick.current = () => {};
    };
    // `deps` are what `load` reads: the caller lists them like a useEffect dependency array.
  }, [intervalMs, ...deps]);

  const refresh = useCallback(() => kick.current(), []);
  return { data, error, loading, refresh };
}
