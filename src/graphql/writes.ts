import { GraphQLError } from 'graphql';
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { roleAllows, type Role } from '../auth/keys';
import type { SqlRunner } from '../db/database';
import { bumpGeneration } from '../db/generation';
import { insertRow, updateRow } from '../db/rows';
import type { RegistryContext } from './context';
import type { Localized } from './language';

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

/** Fails unless the request carries a key whose role allows `needed`; nothing runs before this passes. */
export function requireRole(ctx: RegistryContext, needed: Role): number {
  if (!ctx.caller) {
    throw new GraphQLError(ctx.caller === null ? 'The API key is unknown or revoked' : 'Writing needs an API key: send `Authorization: Bearer <key>`', {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
    });
  }
  if (!roleAllows(ctx.caller.role, needed)) {
    throw new GraphQLError(`This needs the ${needed} role; the key has the ${ctx.caller.role} role`, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
  }
  return ctx.caller.keyId;
}

export interface WriteScope {
  tx: SqlRunner;
  errors: InputErrors;
  keyId: number;
  now: string;
}

/**
 * Runs one write: role check, then validation and changes in one
 * transaction. Any user error rolls the whole transaction back, so a refused
 * write leaves nothing behind. The request's loaders are cleared afterwards,
 * so the payload reads what was written.
 */
export async function runWrite<T>(ctx: RegistryContext, role: Role, work: (scope: WriteScope) => Promise<T>): Promise<{ result: T | null; userErrors: UserError[] }> {
  const keyId = requireRole(ctx, role);
  try {
    const { value: result, generation } = await ctx.db.transaction(async (tx) => {
      const errors = new InputErrors();
      const value = await work({ tx, errors, keyId, now: new Date().toISOString() });
      if (errors.any) throw new Rejected(errors.list);
      // Last, in the write's own transaction: the generation changes exactly when the write commits.
      return { value, generation: await bumpGeneration(tx) };
    });
    ctx.loaders.clear();
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
    return id;
  }
  return (await insertRow(scope.tx, table, { ...stamped, created_at: scope.now, created_by_key_id: scope.keyId, synthetic: false }, 'id'))!;
}

/** Stops a write early once its errors make going on pointless (nothing is written). */
export function stopIfInvalid(errors: InputErrors): void {
  if (errors.any) throw new Rejected(errors.list);
}
