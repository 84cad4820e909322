import "server-only";
// Session lookup for React Server Components (layouts and pages), which read cookies via next/headers.
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import type { User } from "../../shared/types";
import { SESSION_COOKIE, userForSession } from "./sessions";

export async function getCurrentUser(): Promise<User | null> {
  const jar = await cookies();
  return userForSession(jar.get(SESSION_COOKIE)?.value);
}

/** The signed-in user; sends the browser to /login when there is none. */
export async function requireUser(): Promise<User> {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  return user;
}

/** The signed-in admin; viewers get a 403-like redirect to the home page. */
export async function requireAdmin(): Promise<User> {
  const user = await requireUser();
  if (user.role !== "admin") redirect("/");
  return user;
}
