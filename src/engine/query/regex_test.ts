import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { isRiskyRegex, regexDegree } from "./regex_risk.ts";
import { compileRegex, guardedRegExp, LINEAR_MAX_LENGTH, V8_MAX_LENGTH } from "./regex.ts";
import { compileFilter } from "./mod.ts";
import { stopRegexWorker, widenRegexBudgetForTests } from "./regex_budget.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";
import { Location } from "../../errors/locations.ts";

Deno.test("isRiskyRegex flags nested and alternated repeats, not ordinary patterns", () => {
  for (
    const p of [
      "^(a+)+$",
      "(a*)*b",
      "(a|aa)+$",
      "(\\w+\\s?)+$",
      "^([a-z0-9]+\\.)+com$",
      "((ab)+)+",
      "(x+x+)+y",
      "(a{1,5}){2,}",
      ".*a.*b.*c.*d",
      "(?:a|b?)*c",
    ]
  ) assertEquals(isRiskyRegex(p), true, p);
  for (
    const p of [
      "^abc",
      "abc$",
      "^a.*z$",
      "\\d{3}-\\d{4}",
      "(ab)+",
      "^(\\d{3}-)?\\d{4}$",
      "[(+*)]+",
      "\\(a+\\)+",
      "(foo|bar)",
      "(?=.*[A-Z])(?=.*\\d).+",
      "^(\\w+)\\s+\\1$",
      "(a+)?b",
    ]
  ) assertEquals(isRiskyRegex(p), false, p);
});

Deno.test("a catastrophic $regex runs on the linear engine and answers as V8 would", () => {
  const r = compileRegex("^(a+)+$", "");
  assertEquals(r.engine, "linear");
  // 40 characters: ~2^40 steps for a backtracking engine; immediate here.
  assertEquals(r.test("a".repeat(40) + "!"), false);
  assertEquals(r.test("a".repeat(40)), true);
  const m = compileFilter({ s: { $regex: "(x+x+)+y" } });
  assertEquals(m.matches({ s: "x".repeat(60) }), false);
  assertEquals(m.matches({ s: "xxxy" }), true);
  assertEquals(compileRegex("^abc", "").engine, "v8");
});

Deno.test("the linear engine keeps flags, captures and UTF-16 indices", () => {
  const cases: [string, string, string][] = [
    ["^(a|b)+$", "i", "AbBa"],
    ["^(b+)+$", "m", "a\nbbb\nc"],
    ["a(.|x)+c", "s", "a\n\nc"],
    ["(\\w+\\s?)+!", "", "héllo wörld 😀 !"],
    ["(é+)+", "i", "xÉé"],
    ["(o+)+", "", "😀oo😀ooo"],
  ];
  for (const [p, o, s] of cases) {
    const lin = compileRegex(p, o);
    assertEquals(lin.engine, "linear", p);
    const js = new RegExp(p, o + "u");
    assertEquals(lin.test(s), js.test(s), `${p} test`);
    assertEquals([...(lin.exec(s) ?? [])], [...(js.exec(s) ?? [])], `${p} exec`);
    assertEquals(lin.exec(s)?.index, js.exec(s)?.index, `${p} index`);
    assertEquals(
      [...lin.matchAll(s)].map((m) => [m.index, ...m]),
      [...s.matchAll(new RegExp(p, o + "gu"))].map((m) => [m.index, ...m]),
      `${p} matchAll`,
    );
  }
});

Deno.test({
  name: "a risky pattern RE2 cannot express runs with a time budget: answers, or 51156 past it",
  sanitizeResources: false,
  sanitizeOps: false,
  fn() {
    // answers get a wide budget (a loaded machine can starve the worker thread past 100 ms); the
    // catastrophic match runs under the default one
    let restore = widenRegexBudgetForTests(5_000);
    try {
      const r = compileRegex("^(a|aa)+\\1$", "");
      assertEquals(r.engine, "budgeted");
      assertEquals(r.test("aaaa"), true);
      assertEquals(r.test("b"), false);
      assertEquals([...(r.exec("xaaaa") ?? [])], []);
      const look = compileRegex("(?=(a+))(a|b)+c", "");
      assertEquals(look.engine, "budgeted");
      assertEquals([...(look.exec("zaabc") ?? [])], ["aabc", "aa", "b"]);
      assertEquals(look.exec("zaabc")?.index, 1);
      assertEquals([...look.matchAll("abc ac")].map((m) => [m.index, m[0]]), [[0, "abc"], [4, "ac"]]);
      restore();
      assertCommandError(() => r.test("a".repeat(60) + "b"), Location.RegexExecutionFailed);
      // the worker was replaced: the pattern still answers afterwards
      restore = widenRegexBudgetForTests(5_000);
      assertEquals(r.test("aa"), true);
      const m = compileFilter({ s: { $regex: "(x|xx)+\\1y" } });
      assertEquals(m.matches({ s: "xxxxy" }), true);
    } finally {
      restore();
      stopRegexWorker();
    }
  },
});

Deno.test({
  name: "a subject longer than LINEAR_MAX_LENGTH leaves the linear engine for the budgeted worker",
  sanitizeResources: false,
  sanitizeOps: false,
  fn() {
    try {
      const r = compileRegex("^(a+)+$", "");
      assertEquals(r.engine, "linear");
      const long = "a".repeat(LINEAR_MAX_LENGTH.test + 10);
      // a backtracking blow-up on a long subject ends with 51156 after the budget, not seconds later
      assertCommandError(() => r.test(long + "!"), Location.RegexExecutionFailed);
      // exec (captures) switches at a shorter length; below it the linear engine answers
      const mid = "a".repeat(LINEAR_MAX_LENGTH.exec + 10) + "!";
      assertEquals(r.test(mid), false);
      assertCommandError(() => r.exec(mid), Location.RegexExecutionFailed);
      // V8 in the worker answers these at once (a wider budget: a loaded machine can starve its thread)
      const restore = widenRegexBudgetForTests(5_000);
      try {
        assertEquals(r.test(long), true);
        assertEquals(r.test("b" + long), false);
        const xy = compileRegex("(x+x+)+y", "");
        assertEquals(xy.exec("z" + "x".repeat(LINEAR_MAX_LENGTH.exec) + "y")?.index, 1);
        const guarded = guardedRegExp("(x+x+)+y", "");
        assertEquals(guarded.test("x".repeat(LINEAR_MAX_LENGTH.test) + "xy"), true);
      } finally {
        restore();
      }
    } finally {
      stopRegexWorker();
    }
  },
});

Deno.test("guardedRegExp ($jsonSchema pattern) uses the linear engine for risky sources", () => {
  const t = guardedRegExp("^(a+)+$", "u");
  assertEquals(t instanceof RegExp, false);
  assertEquals(t.test("a".repeat(40) + "!"), false);
  assertEquals(guardedRegExp("^a", "u") instanceof RegExp, true);
});

Deno.test("regexDegree: unbounded quantifiers, one fewer when anchored at the start", () => {
  const cases: [string, boolean, number | undefined][] = [
    ["abc", false, 0],
    ["\\d{3}-\\d{4}", false, 0],
    ["a*c", false, 1],
    ["\\w+@", false, 1],
    ["^a*c", false, 0],
    ["^a*c", true, 1], // multiline: ^ matches at every line start
    ["^a|b*", false, 1], // the anchor covers one alternative only
    ["a*a*c", false, 2],
    ["^a*a*c", false, 1],
    ["^(a+)+$", false, undefined], // risky: the linear engine always
  ];
  for (const [p, m, d] of cases) assertEquals(regexDegree(p, m), d, p);
});

Deno.test("a pattern with unbounded quantifiers leaves V8 for long subjects, with the same answers", () => {
  const r = compileRegex("(\\w+)@(\\w+)", "");
  assertEquals(r.engine, "gated");
  // 100,000 word characters and no "@": V8 alone backtracks ~n² (22 s measured); gated it is linear.
  assertEquals(r.test("a".repeat(100_000)), false);
  for (const s of ["ab@cd", "x".repeat(V8_MAX_LENGTH[1]! + 10) + "@y z"]) {
    const m = r.exec(s);
    const want = /(\w+)@(\w+)/u.exec(s);
    assertEquals([...(m ?? [])], [...(want ?? [])]);
    assertEquals(m?.index, want?.index);
  }
  assertEquals(compileRegex("^abc.*", "").engine, "v8"); // anchored, one quantifier: linear on V8
  const js = guardedRegExp("a*a*c", "");
  assertEquals(js.test("a".repeat(5_000)), false);
  assertEquals(js.test("a".repeat(5_000) + "c"), true);
});
