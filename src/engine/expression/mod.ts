/**
 * engine/expression — aggregation expressions: parse once (`compileExpression` / `ExpressionEnv`),
 * evaluate many (`(current, vars) => value`). Pure.
 *
 * Operators live in one file per family (`ops_*.ts`), each registering its compile functions in
 * the registry; importing this module loads every family.
 */
import "./families.ts";

export { compileExpression, constant, constantOf, isNullish, isObj, walkPath } from "./compile.ts";
export { evaluateExpression, ExpressionEnv, type ExpressionOptions } from "./env.ts";
export { operatorNames, registerOperators } from "./registry.ts";
export { arith, makeDouble, numKind, toDouble, truthy } from "./numeric.ts";
export type { Evaluator, ExprContext, OperatorCompiler, Vars } from "./types.ts";
