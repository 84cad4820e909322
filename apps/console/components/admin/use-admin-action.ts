"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

/**
 * The busy flag, error message and page refresh every admin form shares: `run(work)` clears the
 * error, marks the form busy, runs `work`, refreshes the server-rendered list on success and shows
 * the error's message on failure. Resolves true when `work` succeeded.
 */
export function useAdminAction() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run(work: () => Promise<void>): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      await work();
      router.refresh();
      return true;
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      return false;
    } finally {
      setBusy(false);
    }
  }

  return { busy, error, setError, run };
}
