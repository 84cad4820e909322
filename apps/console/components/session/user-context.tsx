"use client";

import { createContext, useContext, type ReactNode } from "react";
import type { User } from "../../lib/shared/types";

// The signed-in user, put in context by the (console) layout after its server-side session check.
// Client components use it only to hide controls; the server enforces roles on every request.
const UserContext = createContext<User | null>(null);

export function UserProvider({ user, children }: { user: User; children: ReactNode }) {
  return <UserContext.Provider value={user}>{children}</UserContext.Provider>;
}

function useUser(): User {
  const user = useContext(UserContext);
  if (!user) throw new Error("useUser() outside <UserProvider>: render this inside the (console) layout");
  return user;
}

export function useIsAdmin(): boolean {
  return useUser().role === "admin";
}
