/**
 * engine/path — dotted field paths. Pure.
 *
 * Read side (`visitPathValues`) implements the query semantics through arrays; write side
 * (`resolveForWrite`, `writeAt`, `removeAt`) implements update semantics with mongod's errors.
 */
export { getPath, isIndexComponent, type PathVisitor, splitPath, visitPathValues } from "./field_path.ts";
export {
  cloneDeep,
  type Container,
  readAt,
  removeAt,
  resolveForWrite,
  writeAt,
  type WriteTarget,
} from "./mutate.ts";
export { describeValue } from "./describe.ts";
