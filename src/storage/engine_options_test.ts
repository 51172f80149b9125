import { throws } from "node:assert/strict";
import { checkStorageEngineOptions } from "./engine_options.ts";

const code = (n: number) => (e: unknown) => (e as { code?: number }).code === n;

Deno.test("storageEngine options: only wiredTiger, only its configString", () => {
  checkStorageEngineOptions({});
  checkStorageEngineOptions({ wiredTiger: {} });
  checkStorageEngineOptions({ wiredTiger: { configString: "block_compressor=zlib" } });
  throws(() => checkStorageEngineOptions(5), code(2));
  throws(() => checkStorageEngineOptions({ wiredTiger: 1 }), code(2));
  throws(() => checkStorageEngineOptions({ unknownStorageEngine: {} }), code(72));
  throws(() => checkStorageEngineOptions({ wiredTiger: { blockCompressor: "zlib" } }), code(72));
  throws(() => checkStorageEngineOptions({ wiredTiger: { configString: 1 } }), code(14));
});
