import { GraphQLError, parse, visit, BREAK, type DocumentNode, type GraphQLSchema, type StringValueNode } from 'graphql';
import type { GuardLimits } from './limits';
import { checkDocumentShape, LimitPassed } from './rules';
import { checkVariables, unstorableText } from './variables';

/**
 * The guard in front of Apollo: each operation of a request is read before
 * Apollo parses and validates it, so a hostile document gets one error and
 * costs one linear reading, never graphql-js's validation of its expansion.
 * Verdicts are kept per query text, so a dashboard's repeated query costs a
 * map lookup.
 */
export class RequestGuard {
  private readonly verdicts = new Map<string, GraphQLError | null>();
  private verdictChars = 0;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly limits: GuardLimits,
    /** Whether document limits apply (production); variables and unstorable text are always checked. */
    private readonly enforceDocumentLimits: boolean,
    private readonly onRefusal: (reason: string) => void = () => {},
  ) {}

  /** The error that refuses one operation (`{ query, variables, ... }` as sent), or null to let it through. */
  refusal(operation: unknown): GraphQLError | null {
    if (operation === null || typeof operation !== 'object' || Array.isArray(operation)) return null;
    const { query, variables } = operation as { query?: unknown; variables?: unknown };
    const reading = checkVariables(variables, this.limits);
    if (reading.problem) {
      this.onRefusal('variables');
      return new GraphQLError(`Variable ${reading.problem.path.length ? `at ${JSON.stringify(reading.problem.path)}` : 'object'} refused: ${reading.problem.message}`, {
        extensions: { code: 'BAD_USER_INPUT', variablePath: reading.problem.path, http: { status: 400 } },
      });
    }
    if (typeof query !== 'string') return null;
    const refusal = this.documentRefusal(query);
    if (refusal) this.onRefusal(String(refusal.extensions.limit ?? 'text'));
    return refusal;
  }

  private documentRefusal(query: string): GraphQLError | null {
    const cached = this.verdicts.get(query);
    if (cached !== undefined) return cached;
    const verdict = this.read(query);
    // Bounded by characters kept: an attacker's stream of new texts evicts, it never grows memory.
    if (query.length <= 20_000) {
      if (this.verdictChars + query.length > 2_000_000) {
        this.verdicts.clear();
        this.verdictChars = 0;
      }
      this.verdicts.set(query, verdict);
      this.verdictChars += query.length;
    }
    return verdict;
  }

  private read(query: string): GraphQLError | null {
    // Without document limits only an escaped NUL needs a parse to find.
    if (!this.enforceDocumentLimits && !query.includes('\\u')) return null;
    let document: DocumentNode;
    try {
      document = parse(query, this.enforceDocumentLimits ? { maxTokens: this.limits.maxTokens } : {});
    } catch {
      // Apollo parses it again and answers the syntax error in its own words.
      return null;
    }
    const text = unstorableLiteral(document);
    if (text) {
      return new GraphQLError(unstorableText(text.value)!, { nodes: text, extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
    }
    if (!this.enforceDocumentLimits) return null;
    try {
      checkDocumentShape(this.schema, document, this.limits);
      return null;
    } catch (error) {
      if (error instanceof LimitPassed) return error.toGraphQLError();
      throw error;
    }
  }
}

/** The first string literal PostgreSQL could not store (a NUL), if any. */
function unstorableLiteral(document: DocumentNode): StringValueNode | undefined {
  let found: StringValueNode | undefined;
  visit(document, {
    StringValue(node) {
      if (unstorableText(node.value)) {
        found = node;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}
