/**
 * admin/ — the web dashboard (`secantusdb admin`): token-gated pages on loopback that talk to any
 * MongoDB-wire server through the Node driver (PRODUCT.md, "Observability and the admin dashboard").
 *
 * - server.ts: Deno.serve routes (login exchange, static assets, JSON + SSE API); gate.ts and token.ts:
 *   the token gate, session cookies, CSRF and Host rules; mongo.ts: the driver and Extended JSON.
 * - api/: the dashboard tiles (overview.ts), live streams (streams.ts: stats, change stream, logs),
 *   backups (backup.ts), operation rates (rates.ts).
 * - static/: the single-page app (plain JS, hash routes, one module per concern); uPlot is served from
 *   its npm package (assets.ts). Pages probe the server and say "not available on this server" where
 *   a command is missing, so they light up as features land — never a fixed table of what exists.
 *
 * It imports nothing from src/ but the version leaf: everything goes through the wire.
 */
export { type AdminOptions, type RunningAdmin, startAdmin } from "./server.ts";
export { generateToken, readTokenFile, TokenFileError } from "./token.ts";
