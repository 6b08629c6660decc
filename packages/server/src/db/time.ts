/** Stored times are epoch milliseconds; views show RFC 3339 UTC. */
export const isoTime = (ms: number): string => new Date(Number(ms)).toISOString();

export const isoTimeOrNull = (ms: number | null): string | null => (ms === null ? null : isoTime(ms));
