import type { Type } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** What every list route answers: a page of items, newest first, and the cursor of the next page. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

const PAGES = new Map<Type<unknown>, Type<Page<unknown>>>();

/**
 * The OpenAPI schema of a page of `item`s, named after it (`HostView` → `HostPage`), so every
 * list route documents the same `{ items, nextCursor? }` shape.
 */
export function PageOf<T>(item: Type<T>): Type<Page<T>> {
  // one class per item type: two routes listing the same items share one schema
  const known = PAGES.get(item);
  if (known) return known as Type<Page<T>>;
  class ItemPage implements Page<T> {
    @ApiProperty({ type: [item] }) items!: T[];
    @ApiPropertyOptional({ description: 'Absent on the last page; pass it as `cursor` for the next one' })
    nextCursor?: string;
  }
  Object.defineProperty(ItemPage, 'name', { value: `${item.name.replace(/View$/, '')}Page` });
  PAGES.set(item, ItemPage);
  return ItemPage;
}
