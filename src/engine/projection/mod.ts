/**
 * engine/projection — find-style projections: parse once, apply per document. Pure.
 */
export { compileProjection, type Projection } from "./projection.ts";
