/**
 * Shrinks a reproducing request: drops top-level fields (never the command itself) one at a time, then
 * keys and array elements one level down, keeping each cut while `reproduces` still says yes. Bounded:
 * at most `maxTries` replays.
 */
import type { Body, Request } from "./generate.ts";

function isDoc(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) &&
    Object.getPrototypeOf(v) === Object.prototype;
}

/** Candidate bodies one cut smaller than `body`. */
function* cuts(body: Body): Generator<Body> {
  const keys = Object.keys(body);
  for (const k of keys.slice(1)) {
    const { [k]: _, ...rest } = body;
    yield rest;
  }
  for (const k of keys) {
    const v = body[k];
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) yield { ...body, [k]: v.filter((_, j) => j !== i) };
      for (let i = 0; i < v.length; i++) {
        const e = v[i];
        if (isDoc(e)) {
          for (const ek of Object.keys(e)) {
            const { [ek]: _, ...er } = e;
            yield { ...body, [k]: v.map((x, j) => (j === i ? er : x)) };
          }
        }
      }
    } else if (isDoc(v)) {
      for (const vk of Object.keys(v)) {
        const { [vk]: _, ...vr } = v;
        yield { ...body, [k]: vr };
      }
    }
  }
}

export async function shrink(
  req: Request,
  reproduces: (r: Request) => Promise<boolean>,
  maxTries = 60,
): Promise<Request> {
  let best = req;
  let tries = 0;
  if (!(await reproduces(best))) return best;
  let progress = true;
  while (progress && tries < maxTries) {
    progress = false;
    for (const c of cuts(best.body)) {
      if (++tries > maxTries) break;
      const cand = { db: best.db, body: c };
      if (await reproduces(cand)) {
        best = cand;
        progress = true;
        break;
      }
    }
  }
  return best;
}
