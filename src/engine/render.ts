import { isEnumType, isScalarType, type GraphQLLeafType } from 'graphql';
import type { DataSource } from 'typeorm';
import { Params, type Database, type Dialect } from '../db/database';
import type { FieldPlan, TypePlan } from './plan';
import { covered, deeperHints } from './rules/cache-hints';
import { cursorSql } from './rules/cursors';
import { globalIdSql } from './rules/ids';
import { pageFlagsSql } from './rules/page-info';
import { pickTextSql } from './rules/language';
import { orderClause, whereClause, type ChildSource, type Source } from './loaders';
import { pageRequest, type Ordering } from './paging';

/**
 * Renders whole objects of the answer as JSON inside the database, from the
 * fast path's plan: one statement gives a batch of objects with everything
 * below them (relations, lists, pages of children), so the rows never cross
 * into JavaScript. Each domain says how its resolved fields read in SQL; plain
 * columns follow from the entity. What it cannot render exactly as the
 * resolvers would (an unknown field, a cursor in a nested page, a field whose
 * cache hint could change the response's policy) it declines, and the fast
 * path resolves that level itself. It renders only objects with a list below
 * them: the others cost the fast path no statement of their own. Root lists
 * stay with the fast path too: rendering a whole page with its count in one
 * statement measured slower (see bench/READING.md).
 *
 * On both databases the JSON text is what JSON.stringify would write (on
 * PostgreSQL row_to_json and array_to_json, not json_build_object, which adds
 * spaces), so it goes into the response as it is, never parsed here.
 */

/** The plan cannot be rendered: `always` when no request could (an unknown field), otherwise only this request's arguments. */
export class Unrenderable extends Error {
  constructor(
    /** Why, in a word or two: what /metrics counts declines by. */
    readonly reason: string,
    /** Which type or field. */
    readonly detail: string,
    readonly always: boolean,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/** What a domain's field sees while its SQL is written. */
export interface RenderScope {
  /** Alias of the row the field belongs to. */
  row: string;
  /** The field's arguments in this request. */
  args: Record<string, any>;
  /** The request's database, for the domains' sources. */
  db: Database;
  /** Binds a value; returns its placeholder. */
  bind(value: unknown): string;
  /** A fresh alias for a table the field joins. */
  alias(): string;
  /** Localized text of a JSON column, picked as `pickText` picks it (null when none). */
  text(column: string, lang: unknown): string;
  /** Today's date (UTC), as the resolvers see it. */
  today(): string;
  /** This instant (ISO 8601, UTC), as the resolvers see it. */
  now(): string;
  /** The field's object: the row of its type's table that `where` finds (null when none). */
  one(where: (alias: string) => string): string;
  /** The field's list: rows of its type's table, optionally joined, in `order`. */
  many(query: { join?: (alias: string, joined: string) => string; where: (alias: string, joined: string) => string; order: (alias: string, joined: string) => string }): string;
  /** The field's connection: a first page of children of the row from `source`, in `ordering`. */
  connection(source: ChildSource<unknown>, ordering: Ordering): string;
  /** This request's arguments cannot be written in SQL (the field is resolved in JavaScript this time): throws. */
  decline(reason: string): never;
}

export type RenderField = (scope: RenderScope) => string;

/** How a GraphQL object type's values are rows: the entity (its table and columns) and the resolved fields in SQL. */
export interface RenderedType {
  entity: Function;
  /** Node types have `id`: base64url of `Type:id`. */
  node?: boolean;
  /** Where its records are read from (a node's declared source): its table says each row's GraphQL type, for interfaces over one table. */
  source?: (db: Database) => Source<unknown>;
  fields?: Record<string, RenderField>;
}

export type RenderTypes = Record<string, RenderedType>;

/** Per request: where arguments come from, and what the resolvers would read off the context. */
export interface RenderRequest {
  argsOf(field: FieldPlan): Record<string, unknown>;
  db: Database;
  languages: readonly string[];
  today: string;
  now: string;
}

interface Column {
  column: string;
  type: string;
}

/** SQLite's json_object takes at most 127 arguments. */
const MAX_KEYS = 60;
/** PostgreSQL cuts names (the keys of its rows) at 63 bytes. */
const MAX_KEY_BYTES = 63;
const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The JSON functions of each database, as the renderer uses them. */
interface JsonDialect {
  /** A JSON object of SQL values by key, in the given order. */
  object(entries: Array<[key: string, value: string]>): string;
  /** A JSON array of `item` over the rows `from` gives (tables and their condition), in `order`; `[]` for none. */
  list(item: string, from: string, order: string): string;
  /** A boolean column as a JSON boolean. */
  boolean(column: string): string;
  /** An instant in text as `Date#toISOString` writes it. */
  instant(text: string): string;
  /** Rows `j(value, key)` of a list of keys bound as one parameter, `key` giving their order. */
  keys(params: Params, pks: readonly number[]): string;
  /** A JSON value as its text, for the driver to hand over unparsed. */
  text(json: string): string;
}

const DIALECTS: Record<Dialect, JsonDialect> = {
  sqlite: {
    object: (entries) => `json_object(${entries.map(([key, value]) => `${quote(key)}, ${value}`).join(', ')})`,
    list: (item, from, order) => `(SELECT json_group_array(${item} ORDER BY ${order}) FROM ${from})`,
    boolean: (column) => `CASE WHEN ${column} IS NULL THEN NULL WHEN ${column} THEN json('true') ELSE json('false') END`,
    instant: (text) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${text})`,
    keys: (params, pks) => `json_each(${params.add(JSON.stringify(pks))}) j`,
    text: (json) => `(${json})`,
  },
  postgres: {
    // row_to_json and array_to_json write JSON as JSON.stringify does, without json_build_object's spaces.
    object: (entries) => {
      if (entries.some(([key]) => Buffer.byteLength(key) > MAX_KEY_BYTES)) throw new Unrenderable('key-length', 'a response key longer than PostgreSQL names', true);
      return `(SELECT row_to_json("__object") FROM (SELECT ${entries.map(([key, value]) => `${value} AS "${key}"`).join(', ')}) "__object")`;
    },
    // The rows in order into an array constructor: no aggregate sorting them again, and `[]` when there are none
    // (10% of the organizations shape's statement against `array_agg(… ORDER BY …)`).
    list: (item, from, order) => `array_to_json(ARRAY(SELECT ${item} FROM ${from} ORDER BY ${order}))`,
    boolean: (column) => column,
    instant: (text) => `to_char((${text})::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
    keys: (params, pks) => `unnest(${params.add(pks)}::int[]) WITH ORDINALITY AS j(value, key)`,
    text: (json) => `(${json})::text`,
  },
};

export class Renderer {
  private readonly columns = new Map<Function, Map<string, Column>>();
  /** Plans no request can render, and why. */
  private readonly never = new WeakMap<TypePlan, Unrenderable>();
  private readonly hintsChecked = new WeakSet<TypePlan>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly types: RenderTypes,
    readonly dialect: Dialect,
    private readonly observer?: { declined(reason: string, detail: string): void },
  ) {}

  /** Whether objects of this plan may be rendered (a request's arguments can still decline); a type stored in no table is never a decline. */
  accepts(plan: TypePlan): boolean {
    if (this.types[plan.type.name] === undefined) return false;
    const never = this.never.get(plan);
    if (never) this.observer?.declined(never.reason, never.detail);
    return !never;
  }

  /**
   * The statement that renders the objects of `plan` with these primary keys,
   * one row per key in order (`json` null for a key no longer there); null
   * when the plan cannot be rendered for this request.
   */
  statement(plan: TypePlan, pks: readonly number[], request: RenderRequest): { sql: string; values: unknown[] } | null {
    const params = new Params(this.dialect);
    try {
      this.checkHints(plan);
      const writer = new Writer(this, params, request, DIALECTS[this.dialect]);
      const row = writer.alias();
      const body = writer.object(plan, row);
      // Objects with no list below them cost the fast path no statement of their own (their relations are held or batched by key).
      if (!writer.fansOut) throw new Unrenderable('nothing-below', plan.type.name, true);
      const table = this.tableOf(plan);
      const json = DIALECTS[this.dialect];
      const sql = `SELECT ${json.text(`SELECT ${body} FROM ${table} ${row} WHERE ${row}.id = j.value`)} AS "json" FROM ${json.keys(params, pks)} ORDER BY j.key`;
      return { sql, values: params.values };
    } catch (error) {
      if (!(error instanceof Unrenderable)) throw error;
      if (error.always) this.never.set(plan, error);
      this.observer?.declined(error.reason, error.detail);
      return null;
    }
  }

  /**
   * The hints of the plan's own fields apply as the fast path applies them;
   * deeper ones depend on which lists are empty, which only the database
   * knows: rendering is for plans where they could not change the policy.
   */
  private checkHints(plan: TypePlan): void {
    if (this.hintsChecked.has(plan)) return;
    const applied = [...plan.inherited, ...plan.fields.map((f) => f.hint)];
    if (!deeperHints(plan).every((hint) => covered(hint, applied))) throw new Unrenderable('cache-hint', plan.type.name, true);
    this.hintsChecked.add(plan);
  }

  typeOf(plan: TypePlan): RenderedType {
    const type = this.types[plan.type.name];
    if (!type) throw new Unrenderable('type', plan.type.name, true);
    return type;
  }

  tableOf(plan: TypePlan): string {
    return this.dataSource.getMetadata(this.typeOf(plan).entity).tableName;
  }

  columnsOf(plan: TypePlan): Map<string, Column> {
    const entity = this.typeOf(plan).entity;
    let columns = this.columns.get(entity);
    if (!columns) {
      columns = new Map(this.dataSource.getMetadata(entity).columns.map((c) => [c.propertyName, { column: c.databaseName, type: String(c.type) }]));
      this.columns.set(entity, columns);
    }
    return columns;
  }
}

/** A leaf column as its GraphQL type serializes it, or undefined when that is not exact in SQL. */
function leafSql(json: JsonDialect, leaf: GraphQLLeafType, expression: string, column: Column): string | undefined {
  const text = column.type === 'varchar' || column.type === 'text';
  if (isEnumType(leaf)) {
    if (!text) return undefined;
    const values = leaf.getValues();
    if (values.every((v) => v.value === v.name)) return expression;
    return `CASE ${expression} ${values.map((v) => `WHEN ${quote(String(v.value))} THEN ${quote(v.name)}`).join(' ')} END`;
  }
  if (!isScalarType(leaf)) return undefined;
  switch (leaf.name) {
    case 'String':
    case 'Date':
      return text ? expression : undefined;
    case 'Int':
      return column.type === 'integer' || column.type === 'int' ? expression : undefined;
    case 'Boolean':
      return column.type === 'boolean' ? json.boolean(expression) : undefined;
    case 'DateTime':
      // What `new Date(text).toISOString()` gives, in UTC with milliseconds.
      return text ? json.instant(expression) : undefined;
    default:
      return undefined;
  }
}

/** Writes one statement: aliases and parameters in the order they appear, so equal plans give equal text. */
class Writer {
  private aliases = 0;
  /** Whether the statement reads a list of rows for each object (a to-many relation or a page of children). */
  fansOut = false;

  constructor(
    private readonly renderer: Renderer,
    private readonly params: Params,
    private readonly request: RenderRequest,
    private readonly json: JsonDialect,
  ) {}

  alias(): string {
    return `t${this.aliases++}`;
  }

  /** The JSON object of one row under `row`, keys in selection order. */
  object(plan: TypePlan, row: string): string {
    if (plan.fields.length > MAX_KEYS) throw new Unrenderable('too-many-fields', plan.type.name, true);
    const type = this.renderer.typeOf(plan);
    return this.json.object(plan.fields.map((field) => [field.key, this.value(plan, type, field, row)]));
  }

  private value(plan: TypePlan, type: RenderedType, field: FieldPlan, row: string): string {
    if (!field.definition) return quote(plan.type.name);
    const own = type.fields?.[field.name];
    if (own) return own(this.scope(field, row));
    if (field.name === 'id' && type.node) return globalIdSql(this.renderer.dialect, plan.type.name, `${row}.id`);
    const column = this.renderer.columnsOf(plan).get(field.name);
    const sql = column && field.property && field.leaf && !field.list ? leafSql(this.json, field.leaf, `${row}.${column.column}`, column) : undefined;
    if (sql === undefined) throw new Unrenderable('no-sql', `${plan.type.name}.${field.name}`, true);
    return sql;
  }

  private only(field: FieldPlan): TypePlan {
    if (field.types?.size !== 1) throw new Unrenderable('abstract', field.name, true);
    return field.types.values().next().value!;
  }

  /** The plans of a field's possible types, which must all be rows of one table (an interface over one entity, as Program). */
  private plansOf(field: FieldPlan): TypePlan[] {
    const plans = [...(field.types?.values() ?? [])];
    if (!plans.length) throw new Unrenderable('abstract', field.name, true);
    const entity = this.renderer.typeOf(plans[0]).entity;
    if (plans.some((plan) => this.renderer.typeOf(plan).entity !== entity)) throw new Unrenderable('abstract', field.name, true);
    return plans;
  }

  private tableOfField(field: FieldPlan): string {
    return this.renderer.tableOf(this.plansOf(field)[0]);
  }

  /**
   * The JSON object of the row under `row` as the field's value: of its one
   * type, or, for an interface whose types share a table, of the type the
   * row's own type name says (the SQL its node source selects `__typename` by).
   */
  private objectOf(field: FieldPlan, row: string): string {
    const plans = this.plansOf(field);
    if (plans.length === 1) return this.object(plans[0], row);
    const typeName = this.renderer.typeOf(plans[0]).source?.(this.request.db).table.typeName;
    if (!typeName) throw new Unrenderable('abstract', field.name, true);
    return `CASE ${typeName(row)} ${plans.map((plan) => `WHEN ${quote(plan.type.name)} THEN ${this.object(plan, row)}`).join(' ')} END`;
  }

  private scope(field: FieldPlan, row: string): RenderScope {
    const { params, request } = this;
    return {
      row,
      args: request.argsOf(field),
      db: request.db,
      bind: (value) => params.add(value),
      alias: () => this.alias(),
      text: (column, lang) => pickTextSql(this.renderer.dialect, params, column, lang as string | null | undefined, request.languages),
      today: () => params.add(request.today),
      now: () => params.add(request.now),
      one: (where) => {
        const alias = this.alias();
        return `(SELECT ${this.objectOf(field, alias)} FROM ${this.tableOfField(field)} ${alias} WHERE ${where(alias)})`;
      },
      many: ({ join, where, order }) => {
        this.fansOut = true;
        const alias = this.alias();
        const joined = join ? this.alias() : '';
        const from = `${this.tableOfField(field)} ${alias}${join ? ` JOIN ${join(alias, joined)}` : ''}`;
        const item = this.objectOf(field, alias);
        return this.json.list(item, `${from} WHERE ${where(alias, joined)}`, order(alias, joined));
      },
      decline: (reason) => {
        throw new Unrenderable(reason, field.name, false);
      },
      connection: (source, ordering) => this.connection(field, row, source, ordering),
    };
  }

  private connection(field: FieldPlan, row: string, source: ChildSource<unknown>, ordering: Ordering): string {
    this.fansOut = true;
    const plan = this.only(field);
    let page;
    try {
      page = pageRequest(this.request.argsOf(field), ordering);
    } catch {
      throw new Unrenderable('arguments', field.name, false);
    }
    if (page.after || page.before || page.backward) throw new Unrenderable('cursor', field.name, false);
    const { params } = this;
    const from = typeof source.from === 'function' ? source.from(params) : (source.from ?? `${source.table.name} ${source.alias}`);
    const where = whereClause([...(source.where ?? []), `${source.parent} = ${row}.id`], params);
    const dir = ordering.direction;
    const order = orderClause(ordering);
    // The page's rows, with their sort key and primary key, under a fresh alias.
    // Linked children are numbered in an order no index gives (the key as an expression the planner does not match to
    // one: ` || ''` on text, ` + 0` on numbers), so it finds the parent's few rows first and sorts them; with the bare key
    // it may walk the list's whole index instead and join back (as it did on a small set).
    const fenced = `${ordering.key}${ordering.keyType === 'text' || ordering.keyType === 'date' ? " || ''" : ' + 0'}`;
    const pageOf = (size: string) =>
      source.linked
        ? `(SELECT * FROM (SELECT ${source.alias}.*, ${ordering.key} AS "__sort", ${ordering.pk} AS "__pk", ROW_NUMBER() OVER (ORDER BY ${orderClause({ ...ordering, key: `(${fenced})` })}) AS "__rn" FROM ${from} ${where}) "__numbered" WHERE "__rn" <= ${size})`
        : `(SELECT ${source.alias}.*, ${ordering.key} AS "__sort", ${ordering.pk} AS "__pk" FROM ${from} ${where} ORDER BY ${order} LIMIT ${size})`;
    const { json } = this;
    const cursor = (x: string) => cursorSql(this.renderer.dialect, ordering, `${x}."__sort"`, `${x}."__pk"`);
    // Parameters are bound as the SQL is written, so only the flag asked for is written.
    const flag = (name: 'hasNextPage' | 'hasPreviousPage', x: string) =>
      name === 'hasPreviousPage' ? pageFlagsSql(this.renderer.dialect, '0', '0', page).hasPreviousPage : pageFlagsSql(this.renderer.dialect, `(SELECT COUNT(*) FROM ${pageOf(params.add(page.size + 1))} ${x})`, size(), page).hasNextPage;
    const size = () => params.add(page.size);
    const pairs = plan.fields.map((f) => {
      let value: string;
      switch (f.definition ? f.name : '__typename') {
        case '__typename':
          value = quote(plan.type.name);
          break;
        case 'totalCount':
          value = `(SELECT COUNT(*) FROM ${from} ${where})`;
          break;
        case 'nodes': {
          const x = this.alias();
          const item = this.objectOf(f, x);
          value = json.list(item, `${pageOf(size())} ${x}`, `${x}."__sort" ${dir}, ${x}."__pk" ${dir}`);
          break;
        }
        case 'edges': {
          const edge = this.only(f);
          const x = this.alias();
          const edgePairs = edge.fields.map((e): [string, string] => {
            const name = e.definition ? e.name : '__typename';
            if (name === '__typename') return [e.key, quote(edge.type.name)];
            if (name === 'cursor') return [e.key, cursor(x)];
            if (name === 'node') return [e.key, this.objectOf(e, x)];
            throw new Unrenderable('no-sql', `${edge.type.name}.${name}`, true);
          });
          value = json.list(json.object(edgePairs), `${pageOf(size())} ${x}`, `${x}."__sort" ${dir}, ${x}."__pk" ${dir}`);
          break;
        }
        case 'pageInfo': {
          const info = this.only(f);
          const infoPairs = info.fields.map((i): [string, string] => {
            const name = i.definition ? i.name : '__typename';
            const x = this.alias();
            switch (name) {
              case '__typename':
                return [i.key, quote(info.type.name)];
              case 'hasNextPage':
              case 'hasPreviousPage':
                return [i.key, flag(name, x)];
              case 'startCursor':
              case 'endCursor': {
                const last = name === 'endCursor' ? (dir === 'ASC' ? 'DESC' : 'ASC') : dir;
                return [i.key, `(SELECT ${cursor(x)} FROM ${pageOf(size())} ${x} ORDER BY ${x}."__sort" ${last}, ${x}."__pk" ${last} LIMIT 1)`];
              }
              default:
                throw new Unrenderable('no-sql', `PageInfo.${name}`, true);
            }
          });
          value = json.object(infoPairs);
          break;
        }
        default:
          throw new Unrenderable('no-sql', `${plan.type.name}.${f.name}`, true);
      }
      return [f.key, value] as [string, string];
    });
    return json.object(pairs);
  }
}
