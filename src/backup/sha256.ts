/** Streaming SHA-256 (node:crypto's incremental hash; WebCrypto digests only whole buffers). */
import { createHash } from "node:crypto";

export interface Sha256 {
  update(chunk: Uint8Array): void;
  hex(): string;
}

export function sha256(): Sha256 {
  const h = createHash("sha256");
  return {
    update: (chunk) => void h.update(chunk),
    hex: () => h.digest("hex"),
  };
}
