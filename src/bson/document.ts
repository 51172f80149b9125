/** The one document type of the codebase: a decoded BSON document (field name → value). */
export type Document = Record<string, unknown>;
