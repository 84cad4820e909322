// The shapes of /api/enrollments answers, as the fleet page's enrollment components use them.

/** POST /api/enrollments → 201: the token is in `command` and `token`, and nowhere else, ever. */
export interface CreatedEnrollment {
  enrollment: { id: number; agentId: string; name: string; expiresAt: string };
  token: string;
  command: string;
  caSha256: string;
}

/** One unused enrollment (GET /api/enrollments, or the fleet page's server render). */
export interface PendingEnrollment {
  id: number;
  agentId: string;
  name: string;
  /** ISO 8601. */
  expiresAt: string;
  expired: boolean;
}
