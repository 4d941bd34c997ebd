import type { Xenplane } from '@xenplane/sdk';
import type { Row } from '../output/table';

/**
 * Every item of a list route, as one array to print: the SDK's paginate follows the cursors.
 * The route is chosen at run time, so the typed path union does not apply; the items are
 * printed as the API gave them.
 */
export async function listAll(x: Xenplane, path: string, query: Record<string, string | number> = {}): Promise<Row[]> {
  const paginate = x.paginate as unknown as (p: string, init: object) => AsyncIterable<Row>;
  const items: Row[] = [];
  for await (const item of paginate(path, { params: { query } })) items.push(item);
  return items;
}
