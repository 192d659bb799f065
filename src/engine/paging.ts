import { ArgsType, Field, Int, ObjectType } from 'type-graphql';
import type { ClassType } from 'type-graphql';
import { CacheLikeParent } from './rules/cache-hints';
import { badUserInput } from './errors';
import { decodeCursor, encodeCursor, type Ordering, type Position } from './rules/cursors';
import { pageFlags } from './rules/page-info';
export type { Ordering, Position, SortKeyType } from './rules/cursors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

@ArgsType()
export class ForwardPageArgs {
  @Field(() => Int, { nullable: true, description: `How many items to return from the start (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}).` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Return the items after this cursor.' })
  after?: string | null;
}

@ArgsType()
export class PageArgs extends ForwardPageArgs {
  @Field(() => Int, { nullable: true, description: `How many items to return from the end (at most ${MAX_PAGE_SIZE}); use with \`before\`.` })
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'Return the items before this cursor.' })
  before?: string | null;
}

/** What a page asks for, validated: `size` items forwards from `after` or backwards from `before`. */
export interface PageRequest {
  size: number;
  backward: boolean;
  after?: Position;
  before?: Position;
}

function checkSize(value: number, argument: string): number {
  if (!Number.isInteger(value) || value < 0) throw badUserInput(`"${argument}" must be zero or more`, [argument]);
  if (value > MAX_PAGE_SIZE) {
    throw badUserInput(`"${argument}" may not exceed ${MAX_PAGE_SIZE}; page through with "after" instead`, [argument]);
  }
  return value;
}

/** Validates paging arguments into a request; every mistake is a BAD_USER_INPUT naming the argument. */
export function pageRequest(args: Partial<PageArgs>, ordering: Ordering): PageRequest {
  const { first, after, last, before } = args;
  if (first != null && last != null) throw badUserInput('Give "first" or "last", not both', ['last']);
  const backward = last != null || (first == null && before != null);
  const size = checkSize(backward ? (last ?? DEFAULT_PAGE_SIZE) : (first ?? DEFAULT_PAGE_SIZE), backward ? 'last' : 'first');
  return {
    size,
    backward,
    after: after != null ? decodeCursor(after, ordering, 'after') : undefined,
    before: before != null ? decodeCursor(before, ordering, 'before') : undefined,
  };
}

/** A canonical text for a page request, to share loaders between identical ones. */
export function pageSignature(page: PageRequest): string {
  return JSON.stringify(page);
}

@CacheLikeParent()
@ObjectType('PageInfo', { simpleResolvers: true, description: 'Where a page sits in its list (Relay cursor connections).' })
export class PageInfo {
  @Field(() => Boolean, { description: 'True when more items follow this page.' })
  hasNextPage: boolean;

  @Field(() => Boolean, { description: 'True when items come before this page.' })
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item on this page; null for an empty page.' })
  startCursor: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last item on this page; null for an empty page.' })
  endCursor: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

/** An item of a page; its cursor is only encoded when a client asks for it (dashboards mostly read `nodes`). */
class PageEdge<T> implements Edge<T> {
  constructor(
    private readonly ordering: Ordering,
    private readonly row: SortedRow<T>,
  ) {}

  get node(): T {
    return this.row as T;
  }

  get cursor(): string {
    return encodeCursor(this.ordering, { key: this.row.__sort, pk: this.row.pk });
  }
}

/** A connection as served: `totalCount` is a thunk, so it is only counted when asked for. */
export interface ConnectionResult<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: () => Promise<number>;
}

/** Rows as the keyset queries return them: the record plus its sort key. */
export type SortedRow<T> = T & { __sort: string | number; pk: number };

/**
 * Turns the rows of one page query (at most size + 1, in query order) into a
 * connection. The extra row only tells whether more items follow.
 */
export function toConnection<T>(rows: SortedRow<T>[], page: PageRequest, ordering: Ordering, totalCount: () => Promise<number>): ConnectionResult<T> {
  const items = rows.slice(0, page.size);
  if (page.backward) items.reverse();
  const edges: Edge<T>[] = items.map((row) => new PageEdge<T>(ordering, row));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      ...pageFlags(rows.length, page),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount,
  };
}

/** Declares the `<Name>Edge` and `<Name>Connection` types for one node type. */
export function connectionType<T extends object>(name: string, nodeType: ClassType<T> | Function, plural: string): ClassType<ConnectionResult<T>> {
  @CacheLikeParent()
  @ObjectType(`${name}Edge`, { simpleResolvers: true, description: `One ${name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()} in a page, with its cursor.` })
  class EdgeType {
    @Field(() => String, { description: 'Opaque position of this item; pass it as `after` or `before`.' })
    cursor: string;

    @Field(() => nodeType, { description: 'The item.' })
    node: T;
  }

  @CacheLikeParent()
  @ObjectType(`${name}Connection`, { simpleResolvers: true, description: `A page of ${plural} (Relay cursor connection).` })
  class ConnectionType {
    @Field(() => [EdgeType], { description: 'The items of this page with their cursors.' })
    edges: Edge<T>[];

    @Field(() => [nodeType], { description: 'The items of this page, without cursors.' })
    nodes: T[];

    @Field(() => PageInfo, { description: 'Where this page sits in the list.' })
    pageInfo: PageInfo;

    @Field(() => Int, { description: 'How many items the whole list holds, across all pages.' })
    totalCount: () => Promise<number>;
  }

  return ConnectionType as unknown as ClassType<ConnectionResult<T>>;
}
