import { formatDateTime } from "../../lib/client/format";

/** A server-rendered timestamp in the viewer's zone. The server's zone may differ from the
 *  browser's, so the hydrated text may legitimately change: tell React that is expected. */
export function LocalTime({ iso, withSeconds = false }: { iso: string; withSeconds?: boolean }) {
  const ms = Date.parse(iso);
  return (
    <time dateTime={iso} suppressHydrationWarning title={iso}>
      {Number.isFinite(ms) ? formatDateTime(ms, withSeconds) : iso}
    </time>
  );
}
