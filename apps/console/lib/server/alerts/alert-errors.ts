import "server-only";
// What the alert domain refuses; the HTTP layer (alert-http.ts) maps each to a status.

export class AlertInputError extends Error {}
export class AlertNotFoundError extends Error {}
export class AlertConflictError extends Error {}
