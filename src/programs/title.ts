import { type Localized } from '../engine';

/** Lower-case title used for ordering: English first, as in `pickText`'s fallback. */
export function titleSort(title: Localized): string {
  return (title.en ?? title.ru ?? Object.values(title)[0] ?? '').toLowerCase().slice(0, 300);
}
