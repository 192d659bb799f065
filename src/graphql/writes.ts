import { type Localized, type RegistryContext } from '../engine';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { Field, ID, InputType, Mutation, ObjectType, registerEnumType } from 'type-graphql';
import { roleAllows, type Role } from '../auth/keys';
import type { SqlRunner } from '../db/database';
import type { RecordChange } from '../db/changes';
import { bumpGeneration } from '../db/generation';
import { insertRow, updateRow } from '../db/rows';

export enum UserErrorCode {
  REQUIRED = 'REQUIRED',
  TOO_LONG = 'TOO_LONG',
  INVALID_FORMAT = 'INVALID_FORMAT',
  TAKEN = 'TAKEN',
  NOT_FOUND = 'NOT_FOUND',
  INVALID_RANGE = 'INVALID_RANGE',
  OUTSIDE_PROGRAM = 'OUTSIDE_PROGRAM',
  IN_USE = 'IN_USE',
  TOO_FEW = 'TOO_FEW',
  DUPLICATE = 'DUPLICATE',
  WRONG_KIND = 'WRONG_KIND',
}

registerEnumType(UserErrorCode, {
  name: 'UserErrorCode',
  description: 'Which rule an input broke; stable, for clients to branch on.',
  valuesConfig: {
    REQUIRED: { description: 'A required value is missing or blank.' },
    TOO_LONG: { description: 'A text is longer than allowed.' },
    INVALID_FORMAT: { description: 'A value does not have the required form (a slug, a code, a number range).' },
    TAKEN: { description: 'The slug or code is already used by another record.' },
    NOT_FOUND: { description: 'A referenced record (region code, organization slug, program, id) does not exist.' },
    INVALID_RANGE: { description: 'An end comes before its start.' },
    OUTSIDE_PROGRAM: { description: "A session's time falls outside its program's dates." },
    IN_USE: { description: 'The record is still referenced; detach or delete what refers to it first.' },
    TOO_FEW: { description: 'A total is smaller than the sum of its parts.' },
    DUPLICATE: { description: 'The same item is given twice in a list.' },
    WRONG_KIND: { description: 'A referenced record is of the wrong kind (a region as its own ancestor, an internship where a forum is needed).' },
  },
});

@ObjectType('UserError', { simpleResolvers: true, description: 'A rule the input broke; nothing was written.' })
export class UserError {
  @Field(() => [String], { description: 'Path of the offending input field, e.g. ["input", "endsOn"].' })
  field: string[];

  @Field(() => String, { description: 'What is wrong, for people.' })
  message: string;

  @Field(() => UserErrorCode, { description: 'Which rule was broken, for programs.' })
  code: UserErrorCode;
}

@ObjectType('DeletePayload', { description: 'Which record was deleted, or why not.' })
export class DeletePayload {
  @Field(() => ID, { nullable: true, description: 'Global id of the deleted record; null when nothing was deleted.' })
  deletedId: string | null;

  @Field(() => [UserError], { description: 'Why nothing was deleted; empty when the delete succeeded.' })
  userErrors: UserError[];
}

@InputType('LocalizedInput', { description: 'A text in one or more languages; at least one must be given.' })
export class LocalizedInput {
  @Field(() => String, { nullable: true, description: 'English text.' })
  en?: string | null;

  @Field(() => String, { nullable: true, description: 'Russian text.' })
  ru?: string | null;
}

export const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Collects what is wrong with an input, field by field. */
export class InputErrors {
  readonly list: UserError[] = [];

  add(field: string[], code: UserErrorCode, message: string): void {
    this.list.push({ field, code, message });
  }

  get any(): boolean {
    return this.list.length > 0;
  }

  /** A localized text: at least one non-blank language, each within `max` characters. Returns it trimmed. */
  localized(field: string[], value: LocalizedInput | null | undefined, max: number, required: boolean): Localized | null | undefined {
    if (value === undefined) {
      if (required) this.add(field, UserErrorCode.REQUIRED, 'Give the text in at least one language');
      return undefined;
    }
    if (value === null) {
      if (required) this.add(field, UserErrorCode.REQUIRED, 'Give the text in at least one language');
      return null;
    }
    const text: Localized = {};
    for (const [lang, raw] of Object.entries(value)) {
      const trimmed = raw?.trim();
      if (!trimmed) continue;
      if (trimmed.length > max) this.add([...field, lang], UserErrorCode.TOO_LONG, `At most ${max} characters (got ${trimmed.length})`);
      text[lang] = trimmed;
    }
    if (!Object.keys(text).length) {
      if (required) this.add(field, UserErrorCode.REQUIRED, 'Give the text in at least one language');
      return required ? undefined : null;
    }
    return text;
  }

  slug(field: string[], value: string | null | undefined, max: number): void {
    if (value == null || !value.trim()) return this.add(field, UserErrorCode.REQUIRED, 'A slug is required');
    if (value.length > max) return this.add(field, UserErrorCode.TOO_LONG, `At most ${max} characters`);
    if (!SLUG.test(value)) this.add(field, UserErrorCode.INVALID_FORMAT, 'Use lower-case letters, digits and single hyphens, e.g. "baku-internship-2021"');
  }

  text(field: string[], value: string | null | undefined, max: number): void {
    if (value != null && value.length > max) this.add(field, UserErrorCode.TOO_LONG, `At most ${max} characters (got ${value.length})`);
  }

  /** `end` must not come before `start` (both ISO strings, so text order is time order). */
  range(field: string[], start: string | null | undefined, end: string | null | undefined): void {
    if (start && end && end < start) this.add(field, UserErrorCode.INVALID_RANGE, `Ends (${end}) before it starts (${start})`);
  }
}

class Rejected extends Error {
  constructor(readonly errors: UserError[]) {
    super('input rejected');
  }
}

/** Errors a database raises when a unique key is taken by a concurrent write. */
function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string }; message?: string };
  const code = e.driverError?.code ?? e.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(e.message ?? '');
}

/** The role each mutation needs, by field name: declared once, with the mutation (see WriteMutation). */
const rolesByMutation = new Map<string, Role>();

/**
 * Declares a mutation and the role it needs, in one place: the schema's
 * description says it, and every root field of a mutation operation is
 * authorized by it before any of them runs (mutationAuthorizationPlugin).
 */
export function WriteMutation(role: Role, returns: Parameters<typeof Mutation>[0], options: { description: string }): MethodDecorator {
  const mutation = Mutation(returns, { description: `${options.description} Needs the ${role} role.` });
  return (target, key, descriptor) => {
    rolesByMutation.set(String(key), role);
    return mutation(target, key, descriptor);
  };
}

/** The role a mutation field needs; undefined for a field declared without WriteMutation. */
export function mutationRole(field: string): Role | undefined {
  return rolesByMutation.get(field);
}

function unauthenticated(ctx: RegistryContext): GraphQLError {
  return new GraphQLError(ctx.caller === null ? 'The API key is unknown or revoked' : 'Writing needs an API key: send `Authorization: Bearer <key>`', {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
  });
}

/** The root fields of an operation, through its fragments (@skip and @include ignored: every field that may run is authorized). */
function rootFieldNames(operation: OperationDefinitionNode, document: DocumentNode): Set<string> {
  const fragments = new Map<string, SelectionSetNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d.selectionSet);
  const names = new Set<string>();
  const seen = new Set<string>();
  const collect = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) collect(fragment);
      }
    }
  };
  collect(operation.selectionSet);
  return names;
}

/**
 * Authorizes a mutation operation whole, before its first field runs: the key
 * must allow every root field, so `{ a: forumCreate b: regionDelete }` with
 * an editor key writes nothing. A field without a declared role needs admin.
 */
export function mutationAuthorizationPlugin(): ApolloServerPlugin<RegistryContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, contextValue }) {
          if (operation?.operation !== 'mutation') return;
          const fields = [...rootFieldNames(operation, document)].filter((name) => name !== '__typename');
          if (!fields.length) return;
          const caller = contextValue.caller;
          if (!caller) throw unauthenticated(contextValue);
          for (const field of fields) {
            const needed = mutationRole(field) ?? 'admin';
            if (!roleAllows(caller.role, needed)) {
              throw new GraphQLError(`${field} needs the ${needed} role; the key has the ${caller.role} role. Nothing was written.`, {
                extensions: { code: 'FORBIDDEN', http: { status: 403 } },
              });
            }
          }
          contextValue.writer = { keyId: caller.keyId };
        },
      };
    },
  };
}

export interface WriteScope {
  tx: SqlRunner;
  errors: InputErrors;
  keyId: number;
  now: string;
  /** Records written, in order (saveRecord, deleteRecord): what subscribers are told once the write commits. */
  changes: RecordChange[];
}

/**
 * Runs one write of an authorized mutation: validation and changes in one
 * transaction. Any user error rolls the whole transaction back, so a refused
 * write leaves nothing behind. The request's loaders are cleared afterwards,
 * so the payload reads what was written.
 */
export async function runWrite<T>(ctx: RegistryContext, work: (scope: WriteScope) => Promise<T>): Promise<{ result: T | null; userErrors: UserError[] }> {
  // Set only once the whole operation was authorized; anything else writes nothing.
  if (!ctx.writer) throw unauthenticated(ctx);
  const { keyId } = ctx.writer;
  try {
    const { value: result, generation, staged } = await ctx.db.transaction(async (tx) => {
      const errors = new InputErrors();
      const changes: RecordChange[] = [];
      const value = await work({ tx, errors, keyId, now: new Date().toISOString(), changes });
      if (errors.any) throw new Rejected(errors.list);
      // Last, in the write's own transaction: the generation changes exactly when the write commits.
      const generation = await bumpGeneration(tx);
      return { value, generation, staged: changes.length && ctx.changes ? await ctx.changes.staged(tx, changes, generation) : undefined };
    });
    ctx.loaders.clear();
    // Only now, committed: subscribers never hear of a write that rolled back.
    if (staged !== undefined) ctx.changes!.committed(staged);
    await ctx.afterWrite?.(generation);
    return { result, userErrors: [] };
  } catch (error) {
    if (error instanceof Rejected) return { result: null, userErrors: error.errors };
    if (isUniqueViolation(error)) {
      return { result: null, userErrors: [{ field: ['input'], code: UserErrorCode.TAKEN, message: 'Another record with the same slug or code was written at the same time' }] };
    }
    throw error;
  }
}

/**
 * Writes a record's changed columns, stamping when and by which key: an
 * update when `id` is given, otherwise an insert. Returns the record's id.
 */
export async function saveRecord(scope: WriteScope, table: string, id: number | null, values: Record<string, unknown>): Promise<number> {
  const stamped = { ...values, updated_at: scope.now, updated_by_key_id: scope.keyId };
  if (id !== null) {
    await updateRow(scope.tx, table, id, stamped);
    scope.changes.push({ table, pk: id, op: 'updated' });
    return id;
  }
  const created = (await insertRow(scope.tx, table, { ...stamped, created_at: scope.now, created_by_key_id: scope.keyId, synthetic: false }, 'id'))!;
  scope.changes.push({ table, pk: Number(created), op: 'created' });
  return created;
}

/**
 * Deletes one record by id, exactly once: when a concurrent write deleted it
 * first (the statement finds no row), this write reports NOT_FOUND at `field`
 * and rolls back, so only one of them answers with the deleted id.
 */
export async function deleteRecord(scope: WriteScope, table: string, pk: number, field: string[] = ['id']): Promise<void> {
  // The whole row: after the commit, subscribers can no longer read what it belonged to.
  const rows = await scope.tx.query(`DELETE FROM ${table} WHERE id = $1 RETURNING *`, [pk]);
  if (!rows.length) {
    scope.errors.add(field, UserErrorCode.NOT_FOUND, 'No record has this id (it may have just been deleted)');
    stopIfInvalid(scope.errors);
  }
  scope.changes.push({ table, pk, op: 'deleted', row: rows[0] });
}

/** Stops a write early once its errors make going on pointless (nothing is written). */
export function stopIfInvalid(errors: InputErrors): void {
  if (errors.any) throw new Rejected(errors.list);
}
