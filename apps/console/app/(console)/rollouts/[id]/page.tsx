import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { RolloutDetailView } from "../../../../components/rollouts/rollout-detail";
import { requireUser } from "../../../../lib/server/auth/current-user";
import { getRollout } from "../../../../lib/server/rollouts/rollout-store";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  return { title: `Rollout #${(await params).id}` };
}

export default async function RolloutPage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser();
  const id = Number((await params).id);
  if (!Number.isSafeInteger(id) || id < 1 || !getRollout(id)) notFound();
  return (
    <>
      <div className="page-header">
        <div>
          <p className="muted">
            <Link href="/rollouts">Rollouts</Link> /
          </p>
          <h1>Rollout #{id}</h1>
        </div>
      </div>
      <RolloutDetailView id={id} />
    </>
  );
}
