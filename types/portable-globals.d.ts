/**
 * The only globals the portable core relies on beyond ECMAScript itself: TextEncoder and
 * TextDecoder (UTF-8 only), part of the WinterCG minimum common API that browsers, Node, Deno,
 * Bun and embedded engines with a Web-API layer provide. A port on an engine without them
 * supplies these two classes. Used only by tsconfig.portable.json.
 */
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

declare class TextDecoder {
  constructor(label?: 'utf-8', options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
