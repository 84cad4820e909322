import type { LogLine } from "../runtime";
import type { JournalEntry } from "./systemctl";

// Pure: a journal entry of a unit's output as a LogLine. journald receives stdout and stderr
// on one stream and cannot tell them apart, so lines at priority "err" or worse (a service
// may prefix "<3>") are tagged stderr and everything else stdout.

const ERR_PRIORITY = 3;

export function journalLine(entry: JournalEntry): LogLine {
  const raw = entry.MESSAGE;
  const line = typeof raw === "string" ? raw : Array.isArray(raw) ? Buffer.from(raw).toString("utf8") : "";
  const micros = Number(entry.__REALTIME_TIMESTAMP);
  const priority = Number(entry.PRIORITY ?? 6);
  return {
    time: Number.isFinite(micros) && micros > 0 ? new Date(micros / 1000) : new Date(),
    line,
    stream: priority <= ERR_PRIORITY ? "stderr" : "stdout",
  };
}
