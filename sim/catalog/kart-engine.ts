/**
 * The demo program's engine (seed 004: "a demo program divided into steps along the order of
 * demonstration"): an attract-mode race of a kart game the store wants to sell. Each part is
 * one step of the demonstration — a race on the track the part describes — with every draw
 * from host.random, so a seed replays the same race.
 *
 * Plain ES5-style script, like the golf engine: it runs in the cartridge sandbox.
 */
export const KART_ENGINE_SOURCE = String.raw`'use strict';
// Kart Rally demo engine 1.0. Declares play(host) for the Fairway cartridge executor.

function checkTrack(track) {
  if (typeof track !== 'object' || track === null) throw new TypeError('track data is not an object');
  if (!(track.laps >= 1 && track.laps <= 9)) throw new RangeError('laps must be 1-9');
  if (!(track.lengthMeters >= 200 && track.lengthMeters <= 5000)) throw new RangeError('lengthMeters must be 200-5000');
  if (!Array.isArray(track.corners)) throw new TypeError('corners must be a list');
  if (!(track.rivals >= 1 && track.rivals <= 11)) throw new RangeError('rivals must be 1-11');
}

// One lap in milliseconds: straight-line time plus what each corner costs, plus a spin now and then.
function lapMs(track, skill, random) {
  var ms = (track.lengthMeters / (22 + 6 * skill)) * 1000;
  for (var i = 0; i < track.corners.length; i++) {
    var corner = track.corners[i];
    ms += corner.sharpness * (400 - 250 * skill) * (0.8 + 0.4 * random());
    if (random() < corner.sharpness * 0.04 * (1 - skill)) ms += 2500;
  }
  return Math.round(ms);
}

function play(host) {
  var track = host.content;
  checkTrack(track);
  // The executor's xorshift32 gives nearly the same first draw for nearby seeds (terminal
  // seeds often are): skip it, so the session depends on the whole seed.
  host.random();
  var driver = 0.55 + 0.3 * host.random();
  var totalMs = 0;
  var bestLapMs = 0;
  for (var lap = 1; lap <= track.laps; lap++) {
    var ms = lapMs(track, driver, host.random);
    totalMs += ms;
    if (bestLapMs === 0 || ms < bestLapMs) bestLapMs = ms;
  }
  var position = 1;
  for (var r = 0; r < track.rivals; r++) {
    var rival = 0;
    var skill = 0.4 + 0.5 * host.random();
    for (var l = 1; l <= track.laps; l++) rival += lapMs(track, skill, host.random);
    if (rival < totalMs) position++;
  }
  var steps = (typeof host.carried.stepsShown === 'number' ? host.carried.stepsShown : 0) + 1;
  host.log(track.name + ': ' + track.laps + ' laps in ' + (totalMs / 1000).toFixed(1) + ' s, finished ' + position + ' of ' + (track.rivals + 1));
  return {
    results: { track: String(track.name), laps: track.laps, totalMs: totalMs, bestLapMs: bestLapMs, position: position, karts: track.rivals + 1, stepsShown: steps },
    continue: !track.lastStep
  };
}
`;
