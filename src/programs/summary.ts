/**
 * The first sentence of a text: up to the first `.`, `!`, `?` or `…` that
 * ends a sentence (followed by a space or the end), trimmed; the whole text
 * when it has no such end; null for no text.
 */
export function firstSentence(text: string | null): string | null {
  if (text == null) return null;
  const trimmed = text.trim();
  if (!trimmed) return null;
  const end = /[.!?…](?=\s|$)/u.exec(trimmed);
  return end ? trimmed.slice(0, end.index + 1) : trimmed;
}
