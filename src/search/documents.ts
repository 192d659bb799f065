/**
 * What the full-text index holds: one document per record, keyed
 * `id * 4 + kind` (the migration 1732900000000 writes the same numbers).
 */
export enum DocumentKind {
  REGION = 0,
  ORGANIZATION = 1,
  PROGRAM = 2,
  SESSION = 3,
}
