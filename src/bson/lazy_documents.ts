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

const raws = new WeakMap<object, readonly Uint8Array[]>();

/** The documents in `raw` as an array decoded on first use (each a view the caller never reuses). */
export function lazyDocuments(raw: readonly Uint8Array[]): Record<string, unknown>[] {
  const target: Record<string, unknown>[] = [];
  let filled = false;
  const fill = (t: Record<string, unknown>[]): Record<string, unknown>[] => {
    if (!filled) {
      filled = true;
      for (const b of raw) t.push(decodeDocument(b));
    }
    return t;
  };
  const list = new Proxy(target, {
    get: (t, k, r) => Reflect.get(fill(t), k, r === list ? t : r),
    set: (t, k, v) => Reflect.set(fill(t), k, v),
    has: (t, k) => Reflect.has(fill(t), k),
    ownKeys: (t) => Reflect.ownKeys(fill(t)),
    getOwnPropertyDescriptor: (t, k) => Reflect.getOwnPropertyDescriptor(fill(t), k),
    defineProperty: (t, k, d) => Reflect.defineProperty(fill(t), k, d),
    deleteProperty: (t, k) => Reflect.deleteProperty(fill(t), k),
    preventExtensions: (t) => Reflect.preventExtensions(fill(t)),
  });
  raws.set(list, raw);
  return list;
}

/** The bytes of a list made by `lazyDocuments`, decoded or not; undefined for any other value. */
export function rawDocumentsOf(list: unknown): readonly Uint8Array[] | undefined {
  return typeof list === "object" && list !== null ? raws.get(list) : undefined;
}
