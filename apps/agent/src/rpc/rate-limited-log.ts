// A line per event is a log an attacker can flood: the first event of a kind is logged at once,
// then at most one line per interval says how many more there were.
export class RateLimitedLog {
  private suppressed = 0;
  private last = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly emit: (count: number, example: string) => void,
    private readonly everyMs = 10_000,
  ) {}

  event(example: string): void {
    const now = Date.now();
    if (now - this.last >= this.everyMs && this.suppressed === 0) {
      this.last = now;
      this.emit(1, example);
      return;
    }
    this.suppressed++;
    this.timer ??= setTimeout(() => this.flush(example), Math.max(0, this.everyMs - (now - this.last))).unref();
  }

  private flush(example: string): void {
    this.timer = undefined;
    if (this.suppressed === 0) return;
    this.last = Date.now();
    this.emit(this.suppressed, example);
    this.suppressed = 0;
  }
}
