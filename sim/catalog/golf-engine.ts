/**
 * Super Golf's engine, as the JavaScript source that travels in the title's first part (the
 * "basic program" of seed 004, Fig. 16). It plays one hole per part on the hole data the part
 * carries, shot by shot, with every random draw from host.random so a seed replays a round
 * exactly; it carries the running score from hole to hole in the results.
 *
 * Plain ES5-style script on purpose: it runs in the cartridge sandbox, not through our
 * TypeScript toolchain, and a vendor's interpreter may be small.
 */
export const GOLF_ENGINE_SOURCE = String.raw`'use strict';
// Super Golf engine 1.0. Declares play(host) for the Fairway cartridge executor.

var MAX_OVER_PAR = 4;       // pick up the ball at par + 4
var QUIT_CHANCE = 0.15;     // after a hole at par + 3 or worse, the player may stop the round

function number(value, fallback) {
  return typeof value === 'number' && isFinite(value) ? value : fallback;
}

function checkHole(hole) {
  if (typeof hole !== 'object' || hole === null) throw new TypeError('hole data is not an object');
  if ([3, 4, 5].indexOf(hole.par) < 0) throw new RangeError('par must be 3, 4 or 5');
  if (!(hole.lengthYards > 0 && hole.lengthYards < 1000)) throw new RangeError('lengthYards must be 1-999');
  if (!Array.isArray(hole.hazards)) throw new TypeError('hazards must be a list');
}

// How far the next shot can go from the lie it is played from.
function reach(lie) {
  switch (lie) {
    case 'tee': return 250;
    case 'fairway': return 210;
    case 'rough': return 160;
    case 'trees': return 110;
    case 'bunker': return 90;
    default: return 210;
  }
}

// The chance of holing a putt from this many feet.
function holingChance(feet, greenSpeed) {
  var base = feet <= 3 ? 0.95 : feet <= 8 ? 0.6 : feet <= 20 ? 0.25 : 0.08;
  return base / (1 + 0.15 * (greenSpeed - 1));
}

function playHole(hole, random, log) {
  var remaining = hole.lengthYards;
  var lie = 'tee';
  var strokes = 0;
  var penalties = 0;
  var putts = 0;
  var limit = hole.par + MAX_OVER_PAR;
  var greenSpeed = number(hole.greenSpeed, 2);
  while (strokes < limit) {
    if (remaining <= 20) {
      // On the green: putt.
      strokes++;
      putts++;
      var feet = Math.max(1, Math.round(remaining * 3));
      if (random() < holingChance(feet, greenSpeed)) return { strokes: strokes, putts: putts, penalties: penalties, pickedUp: false };
      remaining = remaining * (0.08 + 0.25 * random());
      continue;
    }
    strokes++;
    var from = hole.lengthYards - remaining;
    var distance = Math.min(remaining + 5, reach(lie) * (0.75 + 0.35 * random()));
    var landed = from + distance;
    lie = random() < hole.fairwayWidthYards / 60 ? 'fairway' : 'rough';
    for (var i = 0; i < hole.hazards.length; i++) {
      var hazard = hole.hazards[i];
      if (hazard.atYards > from && hazard.atYards <= landed && random() < hazard.risk) {
        if (hazard.kind === 'water') {
          penalties++;
          strokes++;
          landed = Math.max(from, hazard.atYards - 20);
          lie = 'rough';
        } else {
          landed = hazard.atYards;
          lie = hazard.kind;
        }
        log('hole ' + hole.number + ': into the ' + hazard.kind + ' at ' + hazard.atYards + ' yd');
        break;
      }
    }
    remaining = Math.abs(hole.lengthYards - landed);
    if (remaining <= 20 && lie !== 'bunker') remaining = remaining * (0.3 + 0.5 * random());
  }
  return { strokes: limit, putts: putts, penalties: penalties, pickedUp: true };
}

function play(host) {
  var hole = host.hole;
  checkHole(hole);
  var carried = host.carried;
  var played = playHole(hole, host.random, host.log);
  var total = number(carried.total, 0) + played.strokes;
  var totalPar = number(carried.totalPar, 0) + hole.par;
  var holesPlayed = number(carried.holesPlayed, 0) + 1;
  var quit = !hole.lastHole && played.strokes >= hole.par + 3 && host.random() < QUIT_CHANCE;
  host.log('hole ' + hole.number + ' (par ' + hole.par + ', ' + hole.lengthYards + ' yd): ' + played.strokes + ' strokes' + (quit ? '; the player stops here' : ''));
  return {
    results: {
      hole: hole.number,
      strokes: played.strokes,
      putts: played.putts,
      penalties: played.penalties,
      pickedUp: played.pickedUp,
      par: hole.par,
      total: total,
      totalPar: totalPar,
      toPar: total - totalPar,
      holesPlayed: holesPlayed,
      quit: quit,
      course: String(hole.course || 'Super Golf')
    },
    continue: !hole.lastHole && !quit
  };
}
`;
