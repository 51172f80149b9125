import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { RequestContext } from "../context.ts";
import type { WriteTxn } from "../../storage/api.ts";
import { GROUP_BYTES, GROUP_STATEMENTS, type GroupSteps, NOT_GROUPED, runGroup } from "./update_group.ts";

/** A context whose storage runs each write on a fake transaction, counting commits. */
function fakeCtx(): { ctx: RequestContext<unknown>; commits: number[] } {
  const commits: number[] = [];
  const storage = {
    write<T>(fn: (txn: WriteTxn) => T): T {
      const r = fn({} as WriteTxn); // (a throw: no commit)
      commits.push(1);
      return r;
    },
  };
  return { ctx: { storage } as unknown as RequestContext<unknown>, commits };
}

/** Steps over statements whose eligibility, stored bytes and failure are given. */
function steps(
  eligible: (i: number) => boolean,
  opts: { bytes?: number; failAt?: number; failWith?: unknown } = {},
): GroupSteps<number> & { ran: number[]; figures: number } {
  const s = {
    ran: [] as number[],
    figures: 0,
    eligible,
    run(i: number) {
      if (i === opts.failAt) throw opts.failWith ?? new Error("duplicate key");
      s.ran.push(i);
      s.figures++;
      return opts.bytes ?? 10;
    },
    save: () => s.figures,
    restore(saved: number) {
      s.figures = saved;
    },
  };
  return s;
}

Deno.test("runGroup: consecutive eligible statements in one transaction, at most GROUP_STATEMENTS", () => {
  const { ctx, commits } = fakeCtx();
  const st = steps((i) => i !== 100);
  assertEquals(runGroup(ctx, 0, 200, false, st), { done: GROUP_STATEMENTS, alone: 0, stop: false });
  assertEquals(runGroup(ctx, 64, 200, false, st), { done: 36, alone: 0, stop: false }); // up to 100
  assertEquals(commits.length, 2);
  assertEquals(st.ran.length, 100);
});

Deno.test("runGroup: fewer than two eligible statements: none grouped, the first runs alone", () => {
  const { ctx, commits } = fakeCtx();
  assertEquals(runGroup(ctx, 0, 10, false, steps((i) => i === 1)), { done: 0, alone: 1, stop: false });
  assertEquals(runGroup(ctx, 1, 10, false, steps((i) => i === 1)), { done: 0, alone: 1, stop: false });
  assertEquals(runGroup(ctx, 9, 10, false, steps(() => true)), { done: 0, alone: 1, stop: false });
  assertEquals(commits.length, 0);
});

Deno.test("runGroup: the group ends with the statement that reaches GROUP_BYTES", () => {
  const { ctx } = fakeCtx();
  const st = steps(() => true, { bytes: GROUP_BYTES / 4 });
  assertEquals(runGroup(ctx, 0, 50, false, st), { done: 4, alone: 0, stop: false });
  assertEquals(st.ran, [0, 1, 2, 3]);
});

Deno.test("runGroup: a failure puts the figures back; its statements run alone; NOT_GROUPED stops grouping", () => {
  const { ctx, commits } = fakeCtx();
  const st = steps(() => true, { failAt: 5 });
  assertEquals(runGroup(ctx, 0, 10, false, st), { done: 0, alone: 10, stop: false });
  assertEquals(st.figures, 0);
  assertEquals(commits.length, 0);
  const refused = steps(() => true, { failAt: 2, failWith: NOT_GROUPED });
  assertEquals(runGroup(ctx, 0, 10, false, refused), { done: 0, alone: 10, stop: true });
  assertEquals(refused.figures, 0);
});
