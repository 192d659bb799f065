/** Session times may be given in any zone, so a program's days are widened by the extreme UTC offsets. */
export function sessionFits(first: string | null, last: string | null, startsOn: string | null, endsOn: string | null): boolean {
  const earliest = startsOn ? Date.parse(`${startsOn}T00:00:00Z`) - 14 * 3_600_000 : -Infinity;
  const latest = endsOn ? Date.parse(`${endsOn}T00:00:00Z`) + 36 * 3_600_000 : Infinity;
  return (first == null || Date.parse(first) >= earliest) && (last == null || Date.parse(last) < latest);
}
