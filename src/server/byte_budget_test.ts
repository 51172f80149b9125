import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { ByteBudget } from "./byte_budget.ts";

Deno.test("ByteBudget: grants while there is room, queues FIFO, admits one oversize reservation alone", async () => {
  const b = new ByteBudget(100);
  const order: string[] = [];
  await b.acquire(60);
  const second = b.acquire(60).then(() => order.push("second"));
  const third = b.acquire(10).then(() => order.push("third")); // fits, but waits its turn (FIFO)
  await Promise.resolve();
  assertEquals([b.used, b.waiting, order], [60, 2, []]);
  b.release(60);
  await Promise.all([second, third]);
  assertEquals([b.used, order], [70, ["second", "third"]]);
  b.release(70);
  await b.acquire(500); // larger than the budget: admitted when nothing else is held
  assertEquals(b.used, 500);
  let granted = false;
  const small = b.acquire(1).then(() => granted = true);
  await Promise.resolve();
  assertEquals(granted, false);
  b.release(500);
  await small;
  assertEquals([b.used, b.waiting], [1, 0]);
});
