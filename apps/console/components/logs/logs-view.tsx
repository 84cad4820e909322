"use client";

import { timestampMs } from "@bufbuild/protobuf/wkt";
import { LogStream } from "@sysward/proto";
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { describeError, isAbort } from "../../lib/client/errors";
import { formatClock } from "../../lib/client/format";
import { RingBuffer } from "../../lib/client/ring-buffer";
import { useAgentClient } from "../../lib/client/transport";
import { Button } from "../ui/button";
import { EmptyState } from "../ui/empty-state";
import { ErrorNotice } from "../ui/error-notice";
import styles from "./logs-view.module.css";

/** Lines asked for when a view opens, and the most kept in the browser however long it follows. */
const TAIL_LINES = 200;
const MAX_LINES = 2000;
/** Batch state updates: a chatty service must not re-render the page per line. */
const FLUSH_MS = 100;

interface LogLine {
  seq: number;
  t: number | null;
  text: string;
  stderr: boolean;
}

type Status = "idle" | "loading" | "following" | "done" | "error";

export function LogsView({ agentId, services, selected, onSelect }: { agentId: string; services: string[]; selected: string | null; onSelect(name: string): void }) {
  const client = useAgentClient(agentId);
  const [follow, setFollow] = useState(true);
  const [query, setQuery] = useState("");
  const [lines, setLines] = useState<LogLine[]>([]);
  const [status, setStatus] = useState<Status>("idle");
  const [error, setError] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  const loadedFor = useRef<string | null>(null);
  const viewport = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);

  const service = selected && services.includes(selected) ? selected : (services[0] ?? null);

  useEffect(() => {
    if (!service) {
      setLines([]);
      setStatus("idle");
      loadedFor.current = null;
      return;
    }
    // Turning follow off just stops the stream; the lines already shown stay.
    if (!follow && loadedFor.current === `${service}#${reloads}`) {
      setStatus((s) => (s === "following" ? "done" : s));
      return;
    }
    loadedFor.current = `${service}#${reloads}`;
    const controller = new AbortController();
    const ring = new RingBuffer<LogLine>(MAX_LINES);
    let seq = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      setLines(ring.toArray());
    };
    setLines([]);
    setError(null);
    setStatus("loading");
    stickToBottom.current = true;

    void (async () => {
      try {
        const stream = client.logs({ name: service, tailLines: TAIL_LINES, follow }, { signal: controller.signal });
        if (follow) setStatus("following");
        for await (const res of stream) {
          ring.push({ seq: seq++, t: res.time ? timestampMs(res.time) : null, text: res.line, stderr: res.stream === LogStream.STDERR });
          timer ??= setTimeout(flush, FLUSH_MS);
        }
        clearTimeout(timer);
        flush();
        setStatus("done");
      } catch (err) {
        if (controller.signal.aborted || isAbort(err)) return;
        clearTimeout(timer);
        flush();
        setError(describeError(err));
        setStatus("error");
      }
    })();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [client, service, follow, reloads]);

  const filtered = useMemo(() => {
    const q = query.trim().toLowerCase();
    return q ? lines.filter((l) => l.text.toLowerCase().includes(q)) : lines;
  }, [lines, query]);

  // Keep the newest line in view while following, unless the person scrolled up to read.
  useLayoutEffect(() => {
    const el = viewport.current;
    if (el && stickToBottom.current) el.scrollTop = el.scrollHeight;
  }, [filtered]);

  if (services.length === 0) {
    return (
      <section className="card" data-testid="logs-view">
        <div className="card-header">
          <h2>Logs</h2>
        </div>
        <EmptyState title="No logs yet" testId="logs-empty">
          Logs appear here once a service is installed.
        </EmptyState>
      </section>
    );
  }

  return (
    <section className="card" data-testid="logs-view" data-status={status}>
      <div className="card-header">
        <div>
          <h2>Logs</h2>
          <p className="muted">Last {TAIL_LINES} lines, then new ones as they are written{follow ? "" : " (paused)"}.</p>
        </div>
      </div>
      <div className="card-body stack">
        <div className={styles.toolbar}>
          <label className="visually-hidden" htmlFor="logs-service">
            Service
          </label>
          <select id="logs-service" className={`select ${styles.select}`} value={service ?? ""} onChange={(e) => onSelect(e.target.value)} data-testid="logs-service">
            {services.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <label className="visually-hidden" htmlFor="logs-search">
            Search
          </label>
          <input
            id="logs-search"
            className={`input ${styles.search}`}
            type="search"
            placeholder="Filter lines…"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            data-testid="logs-search"
          />
          <label className="checkbox">
            <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} data-testid="logs-follow" />
            Follow
          </label>
          {!follow ? (
            <Button size="sm" onClick={() => setReloads((n) => n + 1)} data-testid="logs-reload">
              Reload
            </Button>
          ) : null}
        </div>
        {error ? <ErrorNotice title={`Could not read the logs of ${service}`} message={error} testId="logs-error" /> : null}
        <div
          ref={viewport}
          className={styles.viewport}
          onScroll={(e) => {
            const el = e.currentTarget;
            stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          }}
          data-testid="logs-lines"
          data-count={filtered.length}
          role="log"
          aria-live="off"
        >
          {filtered.length === 0 ? (
            <div className={styles.emptyLogs}>
              {status === "loading" ? "Loading…" : lines.length > 0 ? `No lines match “${query.trim()}”.` : `${service} has not written any log lines yet.`}
            </div>
          ) : (
            filtered.map((l) => (
              <div key={l.seq} className={`${styles.line} ${l.stderr ? styles.stderr : ""}`} data-testid="logs-line" data-stream={l.stderr ? "stderr" : "stdout"}>
                {l.t !== null ? <span className={styles.time}>{formatClock(l.t)}</span> : null}
                <span className={styles.text}>{highlight(l.text, query)}</span>
              </div>
            ))
          )}
        </div>
        <div className={styles.footer}>
          <span data-testid="logs-count">
            {query.trim() ? `${filtered.length} of ${lines.length} lines match` : `${lines.length} lines`}
            {lines.length >= MAX_LINES ? ` (the newest ${MAX_LINES} are kept)` : ""}
          </span>
          <span>{status === "following" ? "Following…" : status === "done" ? (follow ? "Stream ended" : "Paused") : ""}</span>
        </div>
      </div>
    </section>
  );
}

function highlight(text: string, query: string): ReactNode {
  const q = query.trim();
  if (!q) return text;
  const lower = text.toLowerCase();
  const needle = q.toLowerCase();
  const parts: ReactNode[] = [];
  let from = 0;
  let i = lower.indexOf(needle, from);
  while (i !== -1) {
    if (i > from) parts.push(text.slice(from, i));
    parts.push(<mark key={i}>{text.slice(i, i + q.length)}</mark>);
    from = i + q.length;
    i = lower.indexOf(needle, from);
  }
  if (from < text.length) parts.push(text.slice(from));
  return parts;
}
