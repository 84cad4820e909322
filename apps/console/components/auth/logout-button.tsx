"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "../ui/button";
import { asyncHandler } from "../../lib/client/async-handler";

export function LogoutButton() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);

  async function logout() {
    setBusy(true);
    try {
      await fetch("/api/auth/logout", { method: "POST" });
    } finally {
      // Even if the request failed, the login page is the right place to be next.
      router.replace("/login");
      router.refresh();
    }
  }

  return (
    <Button size="sm" onClick={asyncHandler(logout)} disabled={busy} data-testid="logout">
      {busy ? "Logging out…" : "Log out"}
    </Button>
  );
}
