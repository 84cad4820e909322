"use client";
// The open alerts (firing and pending) for the nav badge and the fleet views' badges: one poll of
// GET /api/alerts shared by every component that shows a badge, running only while one is shown.
import { useSyncExternalStore } from "react";
import type { Alert } from "../shared/alert-types";
import { callJson } from "./json-api";

const EVERY_MS = 5000;
const LIMIT = 1000;

let alerts: readonly Alert[] = [];
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setTimeout> | undefined;

async function poll(): Promise<void> {
  try {
    const [firing, pending] = await Promise.all([callJson<{ alerts: Alert[] }>("GET", `/api/alerts?state=firing&limit=${LIMIT}`), callJson<{ alerts: Alert[] }>("GET", `/api/alerts?state=pending&limit=${LIMIT}`)]);
    alerts = [...firing.alerts, ...pending.alerts];
    for (const l of listeners) l();
  } catch {
    // Keep the last known badges; the next poll tries again.
  }
  if (listeners.size > 0) timer = setTimeout(() => void poll(), EVERY_MS);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) void poll();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) clearTimeout(timer);
  };
}

const EMPTY: readonly Alert[] = [];

export function useOpenAlerts(): readonly Alert[] {
  return useSyncExternalStore(subscribe, () => alerts, () => EMPTY);
}

/** Firing alerts of one machine (and one service, when given; "" counts the machine's own). */
export function firingOf(all: readonly Alert[], agentId: string, service?: string): Alert[] {
  return all.filter((a) => a.state === "firing" && a.agentId === agentId && (service === undefined || a.service === service));
}
