/**
 * The text of "The Lighthouse Keeper", written from a seed: a small sentence grammar over a
 * fixed cast, places and weather, so every chapter reads like prose (and compresses like it)
 * while the same seed always writes the same book. Chapter titles and the arc are fixed; only
 * the sentences vary.
 */
import { FairwayError } from '../../sdk/errors.js';
import { Xoshiro128StarStar } from '../../sdk/testing/mocks/seeded-random.js';

export interface NovelChapterText {
  number: number;
  title: string;
  paragraphs: string[];
}

/** The book's arc: one title and one thing that happens per chapter, in reading order. */
export const LIGHTHOUSE_CHAPTERS: readonly { title: string; event: string }[] = [
  { title: 'The Light on Gull Rock', event: 'the new lens was lit for the first time' },
  { title: 'A Letter from the Mainland', event: 'a letter came with no name on it' },
  { title: 'Fog in the Narrows', event: 'the fog bell rang through the night' },
  { title: 'The Supply Boat', event: 'the supply boat was three days late' },
  { title: 'The Wreck of the Ardent', event: 'the Ardent broke on the outer ledge' },
  { title: 'Voices Below the Lamp', event: 'someone was heard talking in the oil store' },
  { title: 'The Winter Gale', event: 'the gale took the roof off the boathouse' },
  { title: 'Morning over the Sound', event: 'the light was handed on to Nell' },
];

export const CHAPTERS_MAX = LIGHTHOUSE_CHAPTERS.length;

const CAST = ['Elias Marrow', 'Nell', 'Captain Grey', 'Ada Finch', 'Mr. Hale', 'the old keeper'] as const;
const SHORT_NAME: Record<(typeof CAST)[number], string> = {
  'Elias Marrow': 'Elias',
  Nell: 'Nell',
  'Captain Grey': 'Grey',
  'Ada Finch': 'Ada',
  'Mr. Hale': 'Hale',
  'the old keeper': 'the old keeper',
};
/** Each place as somewhere to go (`to`) and somewhere to be (`at`). */
const PLACES: readonly { to: string; at: string }[] = [
  { to: 'the lamp room', at: 'in the lamp room' },
  { to: 'the gallery', at: 'out on the gallery' },
  { to: 'the foot of the stair', at: 'on the spiral stair' },
  { to: 'the landing stage', at: 'on the landing stage' },
  { to: 'the oil store', at: 'in the oil store' },
  { to: 'the kitchen', at: 'in the kitchen' },
  { to: 'the beach', at: 'down on the shingle' },
  { to: 'the watch room', at: 'in the watch room' },
  { to: 'the top of the cliff path', at: 'on the cliff path' },
  { to: 'the boathouse', at: 'in the boathouse' },
];
const THINGS = ['the log book', 'a brass telescope', 'the storm lantern', 'a coil of tarred rope', 'the key to the oil store', 'a tin of lamp wicks', 'the barometer', 'a chipped enamel mug', 'the chart of the Sound', 'a bundle of letters'];
const WEATHER = ['the wind backed to the north-east', 'rain came in sideways off the sea', 'the glass fell all afternoon', 'a grey swell rolled in from the west', 'the sky cleared to a hard blue', 'the fog sat on the water like wool', 'sleet rattled on the lantern glass', 'the evening was still and cold'];
const TIMES = ['Before dawn', 'At the change of the watch', 'Long after midnight', 'By the middle of the morning', 'When the tide turned', 'At dusk', 'Just before the lamp was lit', 'In the grey hour before breakfast'];
const FEELINGS = ['uneasy', 'tired to the bone', 'oddly cheerful', 'certain of nothing', 'quietly afraid', 'patient', 'restless', 'glad of the work'];
const GOES = ['climbed to', 'went down to', 'hurried to', 'walked out to', 'came back to', 'picked a way to'];
const SEA = ['The sea', 'The water below the rock', 'The Sound', 'The outer ledge', 'The channel'];
const SEA_DOES = ['broke white over the rocks', 'lay flat and dark', 'heaved against the landing stage', 'hissed along the shingle', 'ran fast with the ebb'];
const SAYINGS = [
  'The light does not care who is tired',
  'Write it in the book, or it did not happen',
  'There is weather coming, you can smell it',
  'Trim the wick and keep the glass clean',
  'Nobody comes out here by accident',
  'We keep the light, and the light keeps them',
  'I have seen that boat before',
  'Leave the door on the latch tonight',
];

/** One chapter's text: the same for the same (chapter, seed), whatever else was written. */
export function writeChapterText(chapterNumber: number, seed: number): NovelChapterText {
  const arc = LIGHTHOUSE_CHAPTERS[chapterNumber - 1];
  if (!arc) throw new FairwayError('out-of-range', `chapter ${chapterNumber}; 1–${CHAPTERS_MAX}`, 'chapter');
  const random = new Xoshiro128StarStar((Math.imul(seed, 0x2545f491) ^ (chapterNumber * 0x9e3779b9)) >>> 0);
  const pick = <T>(list: readonly T[]): T => list[Math.floor((random.nextUint32() / 2 ** 32) * list.length)]!;
  const between = (low: number, high: number) => low + Math.floor((random.nextUint32() / 2 ** 32) * (high - low + 1));

  const sentence = (): string => {
    const who = pick(CAST);
    const other = pick(CAST.filter((c) => c !== who));
    switch (between(0, 8)) {
      case 0:
        return `${pick(TIMES)}, ${who} ${pick(GOES)} ${pick(PLACES).to} with ${pick(THINGS)}.`;
      case 1:
        return `${capital(pick(WEATHER))}, and ${SHORT_NAME[who]} felt ${pick(FEELINGS)}.`;
      case 2:
        return `"${pick(SAYINGS)}," said ${who}.`;
      case 3:
        return `${pick(SEA)} ${pick(SEA_DOES)}.`;
      case 4:
        return `${capital(who)} found ${pick(THINGS)} ${pick(PLACES).at} and said nothing about it to ${other}.`;
      case 5:
        return `It was ${SHORT_NAME[other]} who remembered that ${arc.event}.`;
      case 6:
        return `${capital(who)} and ${other} ${pick(GOES)} ${pick(PLACES).to} together while ${pick(WEATHER)}.`;
      case 7:
        return `"Did you hear it?" asked ${SHORT_NAME[who]}. ${capital(SHORT_NAME[other])} did not answer, and looked out to sea.`;
      default:
        return `In the log book that night ${SHORT_NAME[who]} wrote only that ${pick(WEATHER)}.`;
    }
  };

  const paragraphs: string[] = [`${pick(TIMES)} on the day ${arc.event}, ${pick(WEATHER)}.`];
  const count = between(14, 22);
  for (let p = 0; p < count; p++) {
    const sentences: string[] = [];
    const length = between(3, 7);
    for (let s = 0; s < length; s++) sentences.push(sentence());
    paragraphs.push(sentences.join(' '));
  }
  return { number: chapterNumber, title: arc.title, paragraphs };
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
