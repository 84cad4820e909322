import type { Metadata } from "next";
import { FleetServices } from "../../../components/services/fleet-services";
import { requireUser } from "../../../lib/server/auth/current-user";

export const metadata: Metadata = { title: "Services" };
export const dynamic = "force-dynamic";

export default async function ServicesPage() {
  await requireUser();
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Services</h1>
          <p className="muted">Every service on every machine, live. Filter by name, the machines&rsquo; labels, state or version.</p>
        </div>
      </div>
      <FleetServices />
    </>
  );
}
