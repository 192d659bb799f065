/**
 * A request body's shape, read from its text before JSON.parse builds it:
 * parsing an object of 12,000 keys costs longer than answering the dashboard
 * (7 ms against 5), and graphql-js would then coerce it. One pass over the
 * characters, no objects built; the first object too wide or value too deep
 * ends it, with the path to where it was.
 */

export interface JsonShapeLimits {
  /** Keys in any one object. */
  maxKeys: number;
  /** Nesting of objects and lists, the body itself being level 1. */
  maxDepth: number;
}

export interface JsonShapeProblem {
  message: string;
  /** Keys and indexes from the body down to the object or list that passed a limit. */
  path: Array<string | number>;
}

interface Level {
  object: boolean;
  /** Keys so far (objects) or the index of the current item (lists). */
  count: number;
  key?: string;
}

const QUOTE = 34;
const BACKSLASH = 92;

/** The first limit the JSON text passes, or null; text that is not JSON is left for JSON.parse to refuse. */
export function jsonShapeProblem(text: string, limits: JsonShapeLimits): JsonShapeProblem | null {
  const stack: Level[] = [];
  const path = () => stack.slice(0, -1).map((level) => (level.object ? (level.key ?? '') : level.count));
  let lastString: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i + 1;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) {
          escaped = true;
          i++;
        } else if (d === QUOTE) break;
      }
      // Only a key's text is kept, for the path; decoding escapes is JSON.parse's work.
      const top = stack[stack.length - 1];
      lastString = top?.object ? (escaped ? safeParse(text.slice(start - 1, i + 1)) : text.slice(start, i)) : undefined;
      continue;
    }
    switch (c) {
      case 123: // {
      case 91: // [
        if (stack.length >= limits.maxDepth) return { message: `The request is nested more than ${limits.maxDepth} levels deep`, path: [...path(), ...(stack.length ? [currentKey(stack)] : [])] };
        stack.push({ object: c === 123, count: 0 });
        break;
      case 125: // }
      case 93: // ]
        stack.pop();
        break;
      case 58: {
        // : after a key
        const top = stack[stack.length - 1];
        if (top?.object) {
          top.key = lastString;
          if (++top.count > limits.maxKeys) return { message: `An object in the request has more than ${limits.maxKeys} keys`, path: path() };
        }
        break;
      }
      case 44: {
        // , between items
        const top = stack[stack.length - 1];
        if (top && !top.object) top.count++;
        break;
      }
    }
  }
  return null;
}

function currentKey(stack: Level[]): string | number {
  const top = stack[stack.length - 1];
  return top.object ? (top.key ?? '') : top.count;
}

function safeParse(quoted: string): string | undefined {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return undefined;
  }
}
