/**
 * mongod's community-edition answer to Atlas Search (31082 SearchNotEnabled): the search stages
 * (engine/aggregate/stage_table.ts) and the search index commands (commands/ddl/search_index_commands.ts)
 * end their messages with this.
 */
export const ATLAS_SEARCH_NOT_ENABLED =
  "requires additional configuration. Please connect to Atlas or an AtlasCLI local deployment to enable. For more information on how to connect, see https://dochub.mongodb.org/core/atlas-cli-deploy-local-reqs";

/** The message of the search index commands and `$listSearchIndexes`. */
export const SEARCH_INDEX_COMMANDS_NOT_ENABLED =
  `Using Atlas Search Database Commands and the $listSearchIndexes aggregation stage ${ATLAS_SEARCH_NOT_ENABLED}`;
