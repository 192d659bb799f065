import { randomBytes } from 'node:crypto';

/** While `stringifyResponse` runs: the JSON texts it splices in, by placeholder number. */
let splicing: string[] | undefined;
/** A placeholder no value can forge: it carries a per-process random mark. */
const MARK = `\u0000${randomBytes(9).toString('base64url')}:`;
const PLACEHOLDER = new RegExp(`"\\\\u0000${MARK.slice(1)}(\\d+)"`, 'g');

/**
 * An object of the answer, filled in later: either JSON text the database
 * rendered, or a plain object the fast path built when the database could not
 * render it. Serializers that know nothing of it (the response cache's
 * JSON.stringify) get the parsed object; `stringifyResponse` splices the text in.
 */
export class RenderedObject {
  text?: string;
  value?: unknown;

  toJSON(): unknown {
    if (this.text === undefined) return this.value;
    if (!splicing) return JSON.parse(this.text);
    splicing.push(this.text);
    return `${MARK}${splicing.length - 1}`;
  }
}

/** JSON.stringify for responses: objects the database rendered go in as their text, without being parsed. */
export function stringifyResponse(value: unknown): string {
  const outer = splicing;
  const texts: string[] = [];
  splicing = texts;
  let json: string;
  try {
    json = JSON.stringify(value);
  } finally {
    splicing = outer;
  }
  return texts.length ? json.replace(PLACEHOLDER, (_, n: string) => texts[Number(n)]) : json;
}
