/**
 * A request's list of documents kept as their bytes until someone reads them: insert stores the bytes
 * the client sent and reads only `_id` and the indexed fields from them, so decoding each document
 * whole (and keeping 1,000 decoded documents alive through a batch) is wasted work on its common path.
 *
 * `lazyDocuments(raw)` is a real array (a Proxy over one) that decodes every document the first time
 * anything touches it — its length, an element, a key listing, a serialisation — so every other
 * reader of the request (the profiler, currentOp, a time-series insert, a test) sees the decoded
 * documents as before. `rawDocumentsOf(list)` gives the bytes back to a reader that knows the list
 * (insert), without decoding. The bytes must be valid (`validAndCanonical` in raw_source.ts): the
 * decode that fills the list must not fail after the request has been accepted.
 */
import { decodeDocument } from "./decode.ts";

/** The key under which a lazy list answers with its bytes (its `get` trap; nothing else has it). */
const RAW = Symbol("raw documents");

type Docs = Record<string, unknown>[];

/**
 * The Proxy handler of one lazy list: its traps (on the prototype, shared by every list) fill the
 * target with the decoded documents first, then act on it.
 */
class Filler implements ProxyHandler<Docs> {
  readonly #raw: readonly Uint8Array[];
  #filled = false;
  constructor(raw: readonly Uint8Array[]) {
    this.#raw = raw;
  }
  fill(t: Docs): Docs {
    if (!this.#filled) {
      this.#filled = true;
      for (const b of this.#raw) t.push(decodeDocument(b));
    }
    return t;
  }
  get(t: Docs, k: string | symbol, r: unknown): unknown {
    if (k === RAW) return this.#raw;
    return Reflect.get(this.fill(t), k, r);
  }
  set(t: Docs, k: string | symbol, v: unknown): boolean {
    return Reflect.set(this.fill(t), k, v);
  }
  has(t: Docs, k: string | symbol): boolean {
    return Reflect.has(this.fill(t), k);
  }
  ownKeys(t: Docs): (string | symbol)[] {
    return Reflect.ownKeys(this.fill(t));
  }
  getOwnPropertyDescriptor(t: Docs, k: string | symbol): PropertyDescriptor | undefined {
    return Reflect.getOwnPropertyDescriptor(this.fill(t), k);
  }
  defineProperty(t: Docs, k: string | symbol, d: PropertyDescriptor): boolean {
    return Reflect.defineProperty(this.fill(t), k, d);
  }
  deleteProperty(t: Docs, k: string | symbol): boolean {
    return Reflect.deleteProperty(this.fill(t), k);
  }
  preventExtensions(t: Docs): boolean {
    return Reflect.preventExtensions(this.fill(t));
  }
}

/** The documents in `raw` as an array decoded on first use (each a view the caller never reuses). */
export function lazyDocuments(raw: readonly Uint8Array[]): Docs {
  return new Proxy<Docs>([], new Filler(raw));
}

/** The bytes of a list made by `lazyDocuments`, decoded or not; undefined for any other value. */
export function rawDocumentsOf(list: unknown): readonly Uint8Array[] | undefined {
  // (an array's own RAW is undefined: only a lazy list's trap answers it)
  return Array.isArray(list) ? (list as unknown as { [RAW]?: readonly Uint8Array[] })[RAW] : undefined;
}
