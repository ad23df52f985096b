/**
 * Pocket Puzzle's engine source: a tiny sliding-piece game, one level per part. The title has
 * no base part, so every part carries this program itself — the other shape a title can take.
 */
export const PUZZLE_ENGINE_SOURCE = String.raw`'use strict';
// Pocket Puzzle engine 1.0. Declares play(host) for the Fairway cartridge executor.

function play(host) {
  var level = host.content;
  if (typeof level !== 'object' || level === null || !(level.pieces > 0) || !(level.moveLimit > 0)) throw new RangeError('bad level data');
  var placed = 0;
  var moves = 0;
  while (placed < level.pieces && moves < level.moveLimit) {
    moves++;
    if (host.random() < level.placeChance) placed++;
  }
  var solved = placed === level.pieces;
  var score = (typeof host.carried.score === 'number' ? host.carried.score : 0) + (solved ? 10 * level.pieces + (level.moveLimit - moves) : placed);
  host.log('level ' + level.level + ': ' + (solved ? 'solved in ' + moves + ' moves' : 'out of moves'));
  return {
    results: { level: level.level, moves: moves, solved: solved, score: score },
    continue: !level.lastLevel && solved
  };
}
`;
