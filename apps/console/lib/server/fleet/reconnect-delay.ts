// How long the fleet monitor waits before trying a machine again: doubling from 250 ms up to a
// ceiling, each wait drawn from its upper half ("equal jitter"), so a console restart or a
// network blip does not send every machine's reconnect in the same instant.
const FIRST_MS = 250;

export function reconnectDelay(attempt: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, FIRST_MS * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
