/**
 * The longest health window an Install may ask for, in seconds. The agent refuses more; the
 * console and CLI check first so the refusal comes before the upload.
 */
export const MAX_HEALTH_SECONDS = 3600;
