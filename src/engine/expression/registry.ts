/**
 * registry.ts — the operator table: `$name` → compile function. Each family file registers its
 * operators with `registerOperators`; `mod.ts` imports every family once, so the table is complete
 * before any expression compiles. New families extend the engine without touching the compiler.
 */
import type { OperatorCompiler } from "./types.ts";

const OPERATORS = new Map<string, OperatorCompiler>();

/** Adds a family of operators (later registrations replace earlier ones of the same name). */
export function registerOperators(ops: Readonly<Record<string, OperatorCompiler>>): void {
  for (const [name, fn] of Object.entries(ops)) OPERATORS.set(name, fn);
}

/** The compile function of an operator, or undefined if unknown. */
export function lookupOperator(name: string): OperatorCompiler | undefined {
  return OPERATORS.get(name);
}

/** Names of all registered operators (for tests and diagnostics). */
export function operatorNames(): string[] {
  return [...OPERATORS.keys()].sort();
}
