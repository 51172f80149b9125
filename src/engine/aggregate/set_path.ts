/**
 * set_path.ts — writes a value at a dotted path of a document, copying (not mutating) every nested
 * document on the way, so stages can set fields on documents they share with their input. A
 * non-document in the way is replaced by a new document, as `$addFields` does. Pure.
 */
import { isObj } from "../expression/compile.ts";
import type { Document } from "./types.ts";

export function setPath(doc: Document, parts: readonly string[], value: unknown): void {
  let cur = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i] as string;
    const v = cur[k];
    const child: Document = isObj(v) ? { ...v } : {};
    cur[k] = child;
    cur = child;
  }
  cur[parts[parts.length - 1] as string] = value;
}
