/**
 * createSearchIndexes, dropSearchIndex, updateSearchIndex: Atlas Search's index commands, which a mongod
 * without a search index management host answers with 31082 SearchNotEnabled and Atlas's explanation —
 * as this server does (the drivers' `createSearchIndex()`, `dropSearchIndex()` and `updateSearchIndex()`
 * then say why instead of 59 "no such command"). `$listSearchIndexes` and the search stages refuse alike
 * (engine/aggregate/stage_table.ts). Each needs its action on the collection first, as on mongod.
 */
import { CommandError } from "../../errors/command_error.ts";
import { SEARCH_INDEX_COMMANDS_NOT_ENABLED } from "../../errors/atlas_search.ts";
import type { RequestContext } from "../context.ts";
import { type CommandSpec, defineCommand, type Doc } from "../spec.ts";
import { collectionName } from "../params/names.ts";
import type { Action } from "../../auth/actions.ts";

export interface SearchIndexCommandParams {
  readonly collection: string;
}

function refusal(name: string, auth: Action): CommandSpec<SearchIndexCommandParams> {
  return defineCommand<SearchIndexCommandParams>({
    name,
    help: `Atlas Search: answers 31082 SearchNotEnabled, as mongod without a search index host`,
    auth,
    parse: (body: Doc) => ({ collection: collectionName(name, body) }),
    run: (ctx: RequestContext<SearchIndexCommandParams>) => {
      ctx.opStats.ns = `${ctx.db}.${ctx.params.collection}`;
      throw new CommandError("SearchNotEnabled", SEARCH_INDEX_COMMANDS_NOT_ENABLED);
    },
  });
}

export const createSearchIndexes = refusal("createSearchIndexes", "createSearchIndexes");
export const dropSearchIndex = refusal("dropSearchIndex", "dropSearchIndex");
export const updateSearchIndex = refusal("updateSearchIndex", "updateSearchIndex");
