/**
 * The reader that travels in a novel's first chapter (seed 004: "book data of a novel divided
 * into chapters"): later chapters carry only their text and run on it as their base. It
 * "reads" one chapter per part — pages at a reading speed drawn from host.random, so a seed
 * replays the same session — and carries the running totals from chapter to chapter.
 *
 * Plain ES5-style script, like the golf engine: it runs in the cartridge sandbox, not through
 * our TypeScript toolchain.
 */
export const READER_ENGINE_SOURCE = String.raw`'use strict';
// Fairway Reader 1.0. Declares play(host) for the Fairway cartridge executor.

var WORDS_PER_PAGE = 250;

function number(value, fallback) {
  return typeof value === 'number' && isFinite(value) ? value : fallback;
}

function checkChapter(chapter) {
  if (typeof chapter !== 'object' || chapter === null) throw new TypeError('chapter data is not an object');
  if (!(chapter.chapter >= 1)) throw new RangeError('chapter must be 1 or more');
  if (typeof chapter.title !== 'string') throw new TypeError('title must be text');
  if (!Array.isArray(chapter.paragraphs) || chapter.paragraphs.length === 0) throw new TypeError('paragraphs must be a non-empty list');
}

function countWords(paragraphs) {
  var words = 0;
  for (var i = 0; i < paragraphs.length; i++) {
    var text = String(paragraphs[i]).trim();
    if (text.length > 0) words += text.split(/\s+/).length;
  }
  return words;
}

function play(host) {
  var chapter = host.content;
  checkChapter(chapter);
  // The executor's xorshift32 gives nearly the same first draw for nearby seeds (terminal
  // seeds often are): skip it, so the session depends on the whole seed.
  host.random();
  var carried = host.carried;
  var words = countWords(chapter.paragraphs);
  var pages = Math.max(1, Math.ceil(words / WORDS_PER_PAGE));
  // A reader between 180 and 300 words a minute, pausing now and then at a page turn.
  var wordsPerMinute = 180 + Math.floor(host.random() * 121);
  var pauses = 0;
  for (var p = 0; p < pages; p++) if (host.random() < 0.1) pauses++;
  var readingSeconds = Math.round((words / wordsPerMinute) * 60) + pauses * 30;
  var chaptersRead = number(carried.chaptersRead, 0) + 1;
  host.log('chapter ' + chapter.chapter + ' "' + chapter.title + '": ' + pages + ' pages, ' + words + ' words in ' + readingSeconds + ' s');
  return {
    results: {
      book: String(chapter.book || 'a book'),
      chapter: chapter.chapter,
      chapterTitle: chapter.title,
      words: words,
      pages: pages,
      wordsPerMinute: wordsPerMinute,
      readingSeconds: readingSeconds,
      chaptersRead: chaptersRead,
      totalWords: number(carried.totalWords, 0) + words,
      totalSeconds: number(carried.totalSeconds, 0) + readingSeconds
    },
    continue: !chapter.lastChapter
  };
}
`;
