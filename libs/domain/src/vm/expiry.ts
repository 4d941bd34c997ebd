/** When a VM given a time to live expires: that many seconds from now (none without one). */
export function expiresAtOf(ttlSeconds: number | undefined, now: Date): Date | null {
  return ttlSeconds ? new Date(now.getTime() + ttlSeconds * 1000) : null;
}
