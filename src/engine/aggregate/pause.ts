/**
 * pause.ts — the pause marker that lets a synchronous pipeline give the event loop back.
 *
 * The pipeline is a pull chain of sync generators: it cannot `await`. Instead the caller's input
 * yields `PAUSE` (an object no document can be identical to) whenever the operation should yield
 * (its OpControl is due). A stage that declares `pauses: true` passes every `PAUSE` it pulls straight
 * out — blocking stages ($group, $sort) mid-way through their input — so the async consumer at the
 * end of the chain sees it, awaits there (deadline check + one macrotask), and pulls again; the
 * generators resume exactly where they were. Stages without the flag never see a `PAUSE` (the runner
 * filters their input), so they stay correct but do not yield inside their own loop.
 *
 * Rule for new stages: loop as `for (const d of input) { if (d === PAUSE) { yield d; continue; } … }`,
 * never count or buffer a `PAUSE`, and set `pauses: true`.
 */
import type { Document, Stage } from "./types.ts";

/** The pause marker. Compare by identity only. */
export const PAUSE: Document = Object.freeze({ $__pause: true }) as Document;

/** The same stream without pause markers (input of stages that do not pass them on). */
export function* withoutPauses(input: Iterable<Document>): Iterable<Document> {
  for (const d of input) if (d !== PAUSE) yield d;
}

/**
 * Chains `stages` over `input`, stripping markers before stages that do not pass them. `storedOutput`:
 * the consumer copies stored documents as they come (the last stage's `runStored`, when it has one).
 */
export function runStages(
  stages: readonly Stage[],
  input: Iterable<Document>,
  storedOutput = false,
): Iterable<Document> {
  let it = input;
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i]!;
    const from = s.pauses ? it : withoutPauses(it);
    it = storedOutput && i === stages.length - 1 && s.runStored ? s.runStored(from) : s.run(from);
  }
  return it;
}

/** `docs` with a `PAUSE` after every `every` documents (a buffered input replayed pause-aware). */
export function* withPauses(docs: readonly Document[], every: number): Iterable<Document> {
  for (let i = 0; i < docs.length; i++) {
    if (i > 0 && i % every === 0) yield PAUSE;
    yield docs[i] as Document;
  }
}
