import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { LoginForm } from "../../../components/auth/login-form";
import { safeNext } from "../../../lib/client/safe-next";
import { getCurrentUser } from "../../../lib/server/auth/current-user";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next } = await searchParams;
  const nextPath = typeof next === "string" ? next : undefined;
  // Already signed in: the login form has nothing to offer.
  if (await getCurrentUser()) redirect(safeNext(nextPath));
  return <LoginForm next={nextPath} />;
}
