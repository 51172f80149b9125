/**
 * keys/ — pure. Byte-sortable index keys whose memcmp order equals `compareValues` order.
 * Imports only src/bson and npm:bson.
 */
export { compareKeys, encodeIndexKey, encodeValue } from "./key_string.ts";
