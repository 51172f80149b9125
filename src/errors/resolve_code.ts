/**
 * resolve_code.ts — the one rule for turning the code an error is raised with into the reply's
 * `code` / `codeName` pair: a name from the generated table (`"BadValue"`) gives its number; a number
 * (a `Location` code from `locations.ts`) gives the table's name for it, or `Location<code>` as mongod
 * sends for its numbered assertion sites.
 */
import { codeNameOf, ErrorCode, type ErrorCodeName } from "./codes.ts";

export function resolveCode(code: ErrorCodeName | number): { code: number; codeName: string } {
  if (typeof code === "number") return { code, codeName: codeNameOf(code) ?? `Location${code}` };
  return { code: ErrorCode[code], codeName: code };
}
