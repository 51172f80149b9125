/**
 * engine/aggregate — aggregation pipelines: parse once (`compilePipeline`), run many times over a
 * document stream (synchronous, pull-based). Pure: collections other than the input are reached
 * only through the injected `resolveCollection`. Cooperative yielding: the caller's input may carry
 * `PAUSE` markers, which pause-aware stages pass out so an async consumer can yield (pause.ts).
 */
export { checkStageNames, compilePipeline, type Pipeline } from "./pipeline.ts";
export { PAUSE, withoutPauses } from "./pause.ts";
export type { Document, PipelineOptions } from "./types.ts";
export type { GeoNearRequest, GeoNearResult } from "./types.ts";
export { compileAddFieldsSpec, compileProjectSpec, compileUnsetSpec, type DocTransform } from "./project.ts";
export { compileUpdatePipeline, type UpdatePipeline, type UpdatePipelineOptions } from "./update_pipeline.ts";
