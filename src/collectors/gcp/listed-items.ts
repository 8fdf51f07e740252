import { z } from "zod";
import { paginate } from "../kit/bounded.js";
import type { ApiCall } from "../kit/calls.js";
import type { FactsRecord, ResourceIdentity } from "../kit/facts.js";
import type { TypeContext } from "../kit/resource-type.js";
import { isServiceDisabled, parseReply, unreadableItem } from "./errors.js";
import { type GcpHandle, noteDisabled } from "./handle.js";

/**
 * The shape most GCP resource types share: items listed by a paginated Google list call, nothing listed
 * where the type's API is switched off, and facts read from the list reply alone.
 */

type GcpTypeContext = TypeContext<GcpHandle>;

/** What runs a call under the scan's limiter and attempt policy: a type's context, or the project walk's `call`. */
export interface GcpCaller {
  call<T>(api: ApiCall, send: () => Promise<T>): Promise<T>;
}

/** The page parameter of a Google list call: `{}` for the first page, so no empty `pageToken` is sent. */
export type PageParam = { pageToken?: string };

/** The reply of a list call whose items are under `items` (Compute, Cloud SQL Admin, Cloud Storage). */
const ItemsPageSchema = z.object({
  items: z.array(z.unknown()).nullish(),
  nextPageToken: z.string().nullish(),
});

/**
 * Every item of a paginated Google list call. Each page is its own call (attempted on its own) and is
 * read with `pageSchema`, so a reply of another shape is the call's INVALID_REPLY; the walk ends at the page
 * without `nextPageToken`. `send` gets the reply body (the `@googleapis/*` clients' `.data`).
 */
export function listPages<Page extends { nextPageToken?: string | null }, Item>(
  caller: GcpCaller,
  call: ApiCall,
  pageSchema: z.ZodType<Page>,
  send: (page: PageParam) => Promise<unknown>,
  itemsOf: (page: Page) => readonly Item[] | undefined,
): AsyncGenerator<Item> {
  return paginate(
    async (pageToken) =>
      parseReply(call, pageSchema, await caller.call(call, () => send(pageToken ? { pageToken } : {}))),
    itemsOf,
    (page) => page.nextPageToken ?? undefined,
  );
}

/** The items of a list call of a `@googleapis/*` client whose reply holds them under `items`. */
export function listItems(
  caller: GcpCaller,
  call: ApiCall,
  send: (page: PageParam) => Promise<{ data: unknown }>,
): AsyncGenerator<unknown> {
  return listPages(
    caller,
    call,
    ItemsPageSchema,
    async (page) => (await send(page)).data,
    (page) => page.items ?? [],
  );
}

/**
 * What `items` yields, or nothing once the type's API turns out to be switched off in the project
 * (SERVICE_DISABLED): nothing of its kind can exist there, so that is noted (`{project}/{api} (API
 * disabled)`) instead of failing the type. Any other error still fails it.
 */
export async function* unlessApiDisabled<T>(
  ctx: GcpTypeContext,
  api: string,
  items: AsyncIterable<T>,
): AsyncGenerator<T> {
  try {
    yield* items;
  } catch (err) {
    if (!isServiceDisabled(err)) throw err;
    noteDisabled(ctx.provider, `${ctx.where}/${api}`);
  }
}

/** How an item whose facts all come from its list reply is read. */
export interface ListedItemReader<Raw extends { name: string }> {
  /** The list call the item came from: the source of every fact. */
  call: ApiCall;
  /** The fields of the item that facts are read from. */
  itemSchema: z.ZodType<Raw>;
  /** The type's facts schema: every one of its facts is unreadable when the item does not fit `itemSchema`. */
  factsSchema: z.ZodObject;
  /** The pure raw → facts mapping. */
  factsOf: (raw: Raw) => object;
  /** Who the item is, from its name alone (all an unreadable item is sure to have). */
  identity: (name: string) => ResourceIdentity;
  /** What a readable item adds to its identity (region, tags). */
  describe?: (raw: Raw) => Partial<ResourceIdentity>;
}

/**
 * Read one listed item: its facts set from the list call and its identity; an item that does not fit
 * `itemSchema` is emitted with every fact unreadable, or fails the type without a name (unreadableItem).
 */
export function readListedItem<Raw extends { name: string }>(
  reader: ListedItemReader<Raw>,
  item: unknown,
  facts: FactsRecord,
): ResourceIdentity {
  const parsed = reader.itemSchema.safeParse(item);
  if (!parsed.success) {
    return unreadableItem(facts, reader.factsSchema, reader.call, item, parsed.error, reader.identity);
  }
  for (const [key, value] of Object.entries(reader.factsOf(parsed.data))) {
    facts.set(key, value, reader.call);
  }
  return { ...reader.identity(parsed.data.name), ...reader.describe?.(parsed.data) };
}
