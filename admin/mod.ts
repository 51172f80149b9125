/**
 * admin/ — the web dashboard (`secantusdb admin`): token-gated pages on loopback that talk to any
 * MongoDB-wire server through the Node driver (PRODUCT.md, "Observability and the admin dashboard").
 *
 * PLACEHOLDER: nothing is built yet; `secantusdb admin` answers "not available yet in this build".
 * It will own server.ts (routes), api/ and static/ (vendored assets, no CDN), and import only the
 * driver and src/config — never the server's internals.
 */
export const ADMIN_AVAILABLE = false;
