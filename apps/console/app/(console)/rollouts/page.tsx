import type { Metadata } from "next";
import { Suspense } from "react";
import { RolloutList } from "../../../components/rollouts/rollout-list";
import { StartRolloutForm } from "../../../components/rollouts/start-rollout-form";
import { requireUser } from "../../../lib/server/auth/current-user";

export const metadata: Metadata = { title: "Rollouts" };
export const dynamic = "force-dynamic";

export default async function RolloutsPage() {
  const user = await requireUser();
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Rollouts</h1>
          <p className="muted">One package to many machines in health-gated waves, live.</p>
        </div>
      </div>
      <div className="stack">
        <RolloutList />
        {user.role === "admin" ? (
          <Suspense>
            <StartRolloutForm />
          </Suspense>
        ) : null}
      </div>
    </>
  );
}
