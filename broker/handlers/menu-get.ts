/** menu.get → menu [FW-4.3]: a page of titles (seed 004, Fig. 12 S1201). */
import { menuPage } from '../catalog/catalog-reader.js';
import type { Handler } from '../service/store-context.js';

const DEFAULT_PAGE = 20;

export const handleMenuGet: Handler<'menu.get'> = async ({ ctx, message }) => {
  const { titles, more } = await menuPage(ctx.db, message.after, message.limit ?? DEFAULT_PAGE);
  return { v: 1, t: 'menu', rid: message.rid, titles, more };
};
