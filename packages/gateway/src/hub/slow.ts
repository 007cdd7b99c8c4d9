/** How long a slow WebSocket or SSE client gets to take its closing frame or event before its connection is cut. */
export const SLOW_CLOSE_GRACE_MS = 5_000;
