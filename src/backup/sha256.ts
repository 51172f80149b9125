/**
 * Streaming SHA-256 (node:crypto's incremental hash; WebCrypto digests only whole buffers). node:crypto
 * is loaded on the first backup, not on the server's start path.
 */
import process from "node:process";

export interface Sha256 {
  update(chunk: Uint8Array): void;
  hex(): string;
}

export function sha256(): Sha256 {
  const h = process.getBuiltinModule("node:crypto").createHash("sha256");
  return {
    update: (chunk) => void h.update(chunk),
    hex: () => h.digest("hex"),
  };
}
