/**
 * The trusted script that runs first in every cartridge's fresh context. It builds the host
 * API from primitives only (so no object or function of the host realm is ever reachable from
 * cartridge code: reaching one would lead to the host's Function and from there to `process`),
 * removes the globals that could leak time, schedule work outside the CPU limit or block, and
 * leaves one entry point, `__fairwayRun()`, that calls the engine's `play(host)` and returns
 * everything as one JSON string — the only value that crosses back to the host.
 */

export const RUN_ENTRY = '__fairwayRun';
export const LOG_MAX_LINES = 100;
export const LOG_LINE_MAX_CHARS = 256;
/** Longest error description carried back from the sandbox. */
export const ERROR_MAX_CHARS = 512;

export interface PreludeInputs {
  seed: number;
  contentJson: string;
  carriedJson: string;
  part: { id: string; title: string; seq: number };
}

/**
 * The prelude source with the inputs written in as literals. JSON text is a valid JavaScript
 * literal, so nothing is evaluated on the host side to pass them in.
 */
export function preludeSource(inputs: PreludeInputs): string {
  return `(function () {
  'use strict';
  var g = globalThis;
  var stringify = JSON.stringify, parse = JSON.parse, freeze = Object.freeze, isFrozen = Object.isFrozen;
  var keysOf = Object.keys, defineProperty = Object.defineProperty, toText = String;
  var seed = ${inputs.seed >>> 0};
  var contentJson = ${JSON.stringify(inputs.contentJson)};
  var carriedJson = ${JSON.stringify(inputs.carriedJson)};
  var part = ${JSON.stringify(inputs.part)};

  function deepFreeze(value) {
    if (typeof value === 'object' && value !== null && !isFrozen(value)) {
      freeze(value);
      var keys = keysOf(value);
      for (var i = 0; i < keys.length; i++) deepFreeze(value[keys[i]]);
    }
    return value;
  }

  // xorshift32: small, fast, and the same numbers for the same seed on every engine. The seed
  // is mixed first (splitmix32's finaliser), or neighbouring seeds would start alike.
  var mixed = (seed + 0x9e3779b9) >>> 0;
  mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b) >>> 0;
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35) >>> 0;
  mixed = (mixed ^ (mixed >>> 16)) >>> 0;
  var state = mixed === 0 ? 0x9e3779b9 : mixed;
  function random() {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state / 4294967296;
  }

  var lines = [];
  function log(text) {
    if (lines.length < ${LOG_MAX_LINES}) lines[lines.length] = toText(text).slice(0, ${LOG_LINE_MAX_CHARS});
  }

  var content = deepFreeze(parse(contentJson));
  var host = freeze({
    content: content,
    hole: content,
    carried: deepFreeze(parse(carriedJson)),
    part: freeze(part),
    random: freeze(random),
    log: freeze(log)
  });

  // Time and randomness only through the host API, so a seed replays a game exactly; nothing
  // that runs later on the host's event loop (finalizers), blocks (Atomics.wait) or compiles.
  var removed = ['console', 'Date', 'Intl', 'Atomics', 'SharedArrayBuffer', 'WebAssembly', 'FinalizationRegistry', 'WeakRef'];
  for (var r = 0; r < removed.length; r++) delete g[removed[r]];
  Math.random = random;

  function describe(error) {
    try {
      if (typeof error === 'object' && error !== null && 'message' in error) return (toText(error.name) + ': ' + toText(error.message)).slice(0, ${ERROR_MAX_CHARS});
      return toText(error).slice(0, ${ERROR_MAX_CHARS});
    } catch (_) {
      return 'an error that cannot be described';
    }
  }

  function run() {
    var out;
    try {
      var play = g.play;
      if (typeof play !== 'function') out = { ok: false, failure: 'crashed', error: 'the engine defines no play(host) function' };
      else out = { ok: true, value: play(host) };
    } catch (error) {
      out = { ok: false, failure: 'crashed', error: describe(error) };
    }
    try {
      return stringify({ out: out, log: lines });
    } catch (error) {
      return stringify({ out: { ok: false, failure: 'bad-results', error: 'the results cannot be written as JSON: ' + describe(error) }, log: lines });
    }
  }
  defineProperty(g, '${RUN_ENTRY}', { value: run, writable: false, enumerable: false, configurable: false });
})();`;
}
