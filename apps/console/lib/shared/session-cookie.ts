// The session cookie's name. Shared so proxy.ts (which must stay free of Node-only code) can test
// for its presence; only lib/server/auth/sessions.ts decides whether its value is valid.
export const SESSION_COOKIE = "sysward_session";
