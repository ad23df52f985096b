/**
 * A simulated player: waits a while, browses, buys a title and plays it part by part (the
 * executor asks whether to go on), tops up with a prepaid card when credit is short, gives up
 * on failures the way a person would, and buys another title while it has titles left to try.
 * Every decision is a draw from the terminal's own random stream, made on a virtual-clock
 * timer, so the same seed makes the same player.
 */
import type { Terminal, TerminalSnapshot } from '../../device/terminal.js';
import type { Clock } from '../../sdk/hal/clock.js';
import type { UserModel } from '../scenario/index.js';

/** The player's knobs: exactly the scenario file's `user` block. */
export type UserBehaviour = UserModel;

export interface UserRandom {
  next01(): number;
  exponential(mean: number): number;
}

export interface UserLog {
  titlesStarted: number;
  topUps: number;
  gaveUp: number;
}

export function driveUser(terminal: Terminal, clock: Clock, random: UserRandom, behaviour: UserBehaviour, cards: { id: string; password: string }[], onEvent: (kind: string, detail?: string) => void): UserLog {
  const log: UserLog = { titlesStarted: 0, topUps: 0, gaveUp: 0 };
  const wallet = [...cards];
  let pending = false;
  let lastState = '';

  function later(ms: number, act: () => void): void {
    pending = true;
    clock.setTimer(Math.max(0, Math.round(ms)), () => {
      pending = false;
      const before = terminal.snapshot().state;
      act();
      // Nothing came of it (the terminal had moved on): look at where it is now.
      if (terminal.snapshot().state === before) {
        lastState = '';
        react(terminal.snapshot());
      }
    });
  }

  const buySomething = () => {
    const menu = terminal.menu().filter((t) => behaviour.titles === null || behaviour.titles.includes(t.title)).filter((t) => t.category !== 'advert');
    if (menu.length === 0 || log.titlesStarted >= behaviour.maxTitles) return;
    const pick = menu[Math.floor(random.next01() * menu.length)]!;
    log.titlesStarted++;
    onEvent('user.buy', pick.title);
    try {
      terminal.buy(pick.title, { autoPlay: true });
    } catch {
      log.titlesStarted--;
    }
  };

  function react(s: TerminalSnapshot): void {
    if (s.state === lastState) return;
    lastState = s.state;
    if (pending) return;
    if (s.state === 'menu.idle') {
      if (log.titlesStarted >= behaviour.maxTitles) return; // this player is done
      const first = log.titlesStarted === 0;
      later(first ? random.next01() * behaviour.startDelayMsMax : random.exponential(behaviour.thinkMsMean), () => {
        if (terminal.snapshot().state === 'menu.idle') buySomething();
      });
    } else if (s.state === 'title.needsCredit') {
      const card = behaviour.topUpWhenShort ? wallet.shift() : undefined;
      later(random.exponential(behaviour.thinkMsMean / 4), () => {
        if (terminal.snapshot().state !== 'title.needsCredit') return;
        if (card) {
          log.topUps++;
          onEvent('user.topUp', card.id);
          terminal.redeemCard(card.id, card.password);
        } else {
          log.gaveUp++;
          onEvent('user.cancel', 'no card left');
          terminal.cancel();
        }
      });
    } else if (s.state.startsWith('failed.') && s.state !== 'failed.storeError' && s.state !== 'failed.deviceFault') {
      later(random.exponential(behaviour.thinkMsMean / 4), () => {
        if (!terminal.snapshot().state.startsWith('failed.')) return;
        log.gaveUp++;
        onEvent('user.dismiss', s.context.failure?.reason);
        terminal.dismiss();
      });
    }
  }
  terminal.on('state', react);
  return log;
}
