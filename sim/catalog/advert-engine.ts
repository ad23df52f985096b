/**
 * The advert player that every advert part carries (seed 004: "advertisement data", sent
 * after a title's last part or attached to a sponsored part). It shows the advert's lines for
 * their display time and reports whether the player showed interest — a draw from
 * host.random against the advert's interest rate, so a seed replays the same answer.
 *
 * Plain ES5-style script, like the golf engine: it runs in the cartridge sandbox.
 */
export const ADVERT_ENGINE_SOURCE = String.raw`'use strict';
// Fairway advert player 1.0. Declares play(host) for the Fairway cartridge executor.

function checkAdvert(advert) {
  if (typeof advert !== 'object' || advert === null) throw new TypeError('advert data is not an object');
  if (typeof advert.headline !== 'string' || typeof advert.sponsor !== 'string') throw new TypeError('headline and sponsor must be text');
  if (!Array.isArray(advert.lines)) throw new TypeError('lines must be a list');
  if (!(advert.displayMs >= 1000 && advert.displayMs <= 60000)) throw new RangeError('displayMs must be 1000-60000');
  if (!(advert.interestPercent >= 0 && advert.interestPercent <= 100)) throw new RangeError('interestPercent must be 0-100');
}

function play(host) {
  var advert = host.content;
  checkAdvert(advert);
  // The executor's xorshift32 gives nearly the same first draw for nearby seeds (terminal
  // seeds often are): skip it, so the session depends on the whole seed.
  host.random();
  host.log(advert.sponsor + ': ' + advert.headline);
  for (var i = 0; i < advert.lines.length; i++) host.log('  ' + advert.lines[i]);
  // Some players skip an advert part-way; a skipped advert was shown for less time.
  var skipped = host.random() < 0.2;
  var shownMs = skipped ? Math.round(advert.displayMs * (0.2 + 0.5 * host.random())) : advert.displayMs;
  var interested = !skipped && host.random() * 100 < advert.interestPercent;
  return {
    results: { sponsor: advert.sponsor, advertises: String(advert.advertises || ''), shownMs: shownMs, skipped: skipped, interested: interested },
    continue: !advert.lastPart
  };
}
`;
