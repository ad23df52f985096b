/** Wire types the machine's context mentions, re-exported so the machine imports no codec. */
import type { MessageOf } from '../../sdk/wire/messages.js';

export type AdvertRef = NonNullable<MessageOf<'advert'>['advert']>;
