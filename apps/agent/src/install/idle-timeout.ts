import { DomainError } from "../domain-error";

/**
 * Yields what `source` yields, but fails with DeadlineExceeded when the next item takes longer
 * than `idleMs` to arrive: a client that stops sending mid-upload must not hold the name's lock
 * and a staging file forever. Time the consumer spends on an item does not count.
 */
export async function* idleTimeout<T>(source: AsyncIterable<T>, idleMs: number, message: string): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let done = false;
  try {
    while (true) {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DomainError(message, "deadline-exceeded")), idleMs);
      });
      let next: IteratorResult<T>;
      try {
        next = await Promise.race([it.next(), expired]);
      } finally {
        clearTimeout(timer);
      }
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // Stopped early (timeout, or the consumer failed): tell the source, without waiting on a
    // source that is stuck — that is why we are here.
    if (!done) void Promise.resolve(it.return?.()).catch(() => {});
  }
}
