import type { ClassType } from 'type-graphql';
import type { Database } from '../db/database';
import type { RegistryContext } from './context';
import { columnOf, entityOf, nodeOf, tableOf, type ArgsSpec, type FieldSpec, type TypeOf } from './declare';
import { childConnection } from './connections';
import { childrenByParent, type ChildSource, type Source } from './loaders';
import { ForwardPageArgs, pageRequest, type Ordering } from './paging';
import { plainTable } from './records';
import { LANG_ARG, pickText, type Language, type Localized } from './rules/language';

/**
 * Builders of field declarations for records of type `T`: a computed field
 * says what it reads (the resolver sees only those properties, so reading
 * another is a type error), a relation says how records point at each other
 * and gets its loader and its SQL from that alone.
 */

/** What every record has, whatever the fields read. */
interface Keyed {
  pk: number;
}

/** A computed field: its resolver sees only what it declares it reads. */
type ComputedSpec<T, R extends keyof T, A> = Omit<FieldSpec<Pick<T, R> & Keyed, A>, 'reads'> & { reads: readonly R[] };

/** A type's source of records, for relations to it: a node's declared source, or its entity's table. */
function sourceOf(target: Function, db: Database, alias: string): Source<unknown> {
  const node = nodeOf(target);
  if (node) return node.source(db);
  return { table: plainTable(db, entityOf(target)!), alias };
}

function entityOfTarget(target: Function): Function {
  const entity = entityOf(target);
  if (!entity) throw new Error(`${target.name} is not stored in a table`);
  return entity;
}

/** `record.property`: the column of a property, qualified by the alias of its row. */
const qualified = (entity: Function, alias: string, property: string) => `${alias}.${columnOf(entity, property)}`;

/** Pages declared so far: each names its loaders. */
let pages = 0;

export function fieldsOf<T extends object>(type: ClassType<T> | Function) {
  const own = () => entityOfTarget(type);
  return {
    /** A field computed from the record's own properties (and, through the context, loaders). */
    computed<R extends keyof T & string, A = Record<string, unknown>>(spec: ComputedSpec<T, R, A>): FieldSpec<T, A> {
      return spec as unknown as FieldSpec<T, A>;
    },

    /**
     * A text in the asked language (the language rule, src/engine/rules/language.ts):
     * `property` holds its translations; `orElse`, a property of the record,
     * or `orEmpty`, an empty text, stands in when there is none (a field that
     * is never null).
     */
    localized<P extends keyof T & string, E extends keyof T & string>(property: P, options: { description: string; orElse?: E; orEmpty?: true }): FieldSpec<T, { lang?: Language | null }> {
      const { orElse, orEmpty } = options;
      return {
        type: () => String,
        nullable: !orElse && !orEmpty,
        description: options.description,
        args: { lang: LANG_ARG },
        reads: orElse ? [property, orElse] : [property],
        resolve: (record, { lang }, ctx) => pickText(record[property] as Localized | null, lang, ctx.languages) ?? (orElse ? record[orElse] : orEmpty ? '' : null),
        sql: (s) => {
          const text = s.text(qualified(own(), s.row, property), s.args.lang);
          if (orElse) return `COALESCE(${text}, ${qualified(own(), s.row, orElse)})`;
          return orEmpty ? `COALESCE(${text}, '')` : text;
        },
      };
    },

    /** The record this one's key points at, found through the target's loader by id (null when the key is). */
    toOne(target: () => Function, key: keyof T & string, options: { description: string; nullable?: boolean }): FieldSpec<T> {
      return {
        type: target,
        nullable: options.nullable ?? true,
        description: options.description,
        reads: [key],
        resolve: (record, _, ctx) => {
          const pk = record[key] as number | null;
          return pk == null ? null : nodeOf(target())!.byId(ctx).load(pk);
        },
        sql: (s) => s.one((alias) => `${alias}.id = ${qualified(own(), s.row, key)}`),
      };
    },

    /** Records of `target` whose `foreignKey` points at this one, in `orderBy`. */
    children(target: () => Function, options: { foreignKey: string; orderBy: readonly string[]; description: string; load?: (record: T & Keyed, ctx: RegistryContext) => Promise<unknown[]> }): FieldSpec<T> {
      // `orderBy` is a total order of the children (a unique property last).
      const order = (alias: string) => options.orderBy.map((p) => qualified(entityOfTarget(target()), alias, p)).join(', ');
      return {
        type: () => [target()],
        description: options.description,
        reads: [],
        resolve: (record, _, ctx) =>
          options.load
            ? options.load(record as T & Keyed, ctx)
            : ctx.loaders
                .use(`${target().name}.by.${options.foreignKey}`, (db) => {
                  const source = sourceOf(target(), db, 'c');
                  return childrenByParent(db, { ...source, parent: qualified(entityOfTarget(target()), source.alias, options.foreignKey) }, order(source.alias));
                })
                .load((record as T & Keyed).pk),
        sql: (s) => s.many({ where: (alias) => `${qualified(entityOfTarget(target()), alias, options.foreignKey)} = ${s.row}.id`, order: (alias) => order(alias) }),
      };
    },

    /** Records of `target` linked to this one through the pairs of `link` (`from` points here, `to` there), in the link's `orderBy`, then id. */
    through(target: () => Function, options: { link: Function; from: string; to: string; orderBy: readonly string[]; description: string }): FieldSpec<T> {
      const column = (p: string) => columnOf(options.link, p);
      return {
        type: () => [target()],
        description: options.description,
        reads: [],
        resolve: (record, _, ctx) =>
          ctx.loaders
            .use(`${target().name}.through.${tableOf(options.link)}.${options.from}`, (db) => {
              const source = sourceOf(target(), db, 't');
              const a = source.alias;
              return childrenByParent(
                db,
                { ...source, from: `${tableOf(options.link)} l JOIN ${tableOf(entityOfTarget(target()))} ${a} ON ${a}.id = l.${column(options.to)}`, parent: `l.${column(options.from)}` },
                [...options.orderBy.map((p) => `l.${column(p)}`), `${a}.id`].join(', '),
              );
            })
            .load((record as T & Keyed).pk),
        sql: (s) =>
          s.many({
            join: (alias, link) => `${tableOf(options.link)} ${link} ON ${link}.${column(options.to)} = ${alias}.id`,
            where: (_, link) => `${link}.${column(options.from)} = ${s.row}.id`,
            order: (alias, link) => [...options.orderBy.map((p) => `${link}.${column(p)}`), `${alias}.id`].join(', '),
          }),
      };
    },

    /**
     * A page of this record's children as a Relay connection: every parent
     * asking with the same arguments in one request shares one statement,
     * and the renderer writes the same page in SQL.
     */
    page(connection: TypeOf, options: { source: (db: Database) => ChildSource<unknown>; ordering: Ordering; description: string; args?: ClassType }): FieldSpec<T> {
      const relation = `page${++pages}:${type.name}`;
      return {
        type: connection,
        description: options.description,
        args: (options.args ?? ForwardPageArgs) as ArgsSpec,
        reads: [],
        validate: (args) => void pageRequest(args, options.ordering),
        resolve: (record, args, ctx) => childConnection(ctx, relation, options.source(ctx.db), options.ordering, args, (record as T & Keyed).pk),
        sql: (s) => s.connection(options.source(s.db), options.ordering),
      };
    },
  };
}
