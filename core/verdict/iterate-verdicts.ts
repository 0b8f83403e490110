import type { VerdictQuery, VerdictStore } from '../ports/verdict-store';
import type { Verdict } from './verdict';

/** Streams every verdict matching a filter, page by page, so a run of any size is read in flat memory. */
export async function* iterateVerdicts(
  store: VerdictStore,
  filter: VerdictQuery,
  pageSize = 500,
): AsyncGenerator<Verdict> {
  let cursor: string | undefined;
  do {
    const page = await store.query(filter, { cursor, limit: pageSize });
    yield* page.verdicts;
    cursor = page.cursor;
  } while (cursor);
}
