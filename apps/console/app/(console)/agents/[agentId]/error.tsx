"use client";

import Link from "next/link";
import { Button } from "../../../../components/ui/button";
import { ErrorNotice } from "../../../../components/ui/error-notice";

// Server-side failures arrive without their message in production (only a digest for the logs).
export default function AgentError({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = error instanceof Error && "digest" in error ? String((error as { digest?: unknown }).digest ?? "") : "";
  return (
    <div className="stack" data-testid="agent-page-error">
      <h1>This agent page could not be shown</h1>
      <ErrorNotice
        message={
          <>
            Something failed while loading the agent. Try again; if it keeps failing, the console&apos;s log has the details
            {digest ? (
              <>
                {" "}
                (look for <code>{digest}</code>)
              </>
            ) : null}
            .
          </>
        }
        action={
          <Button size="sm" onClick={() => retry()} data-testid="agent-page-retry">
            Try again
          </Button>
        }
      />
      <p>
        <Link href="/">Back to the fleet</Link>
      </p>
    </div>
  );
}
