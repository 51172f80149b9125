/**
 * engine/sort — sort specifications: validation, multikey sort keys, comparators. Pure.
 */
export {
  compileSort,
  compileSortKeys,
  type DocComparator,
  parseSortSpec,
  sortDocuments,
  sortKeyOf,
  type SortKeyPart,
} from "./sort.ts";
