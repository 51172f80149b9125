/**
 * engine/sort — sort specifications: validation, multikey sort keys, comparators. Pure.
 */
export {
  compileSort,
  type DocComparator,
  parseSortSpec,
  sortDocuments,
  sortKeyOf,
  type SortKeyPart,
} from "./sort.ts";
