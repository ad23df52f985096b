/**
 * The terminal's flow as an xstate v5 machine (seed 004's menu → offer → download → receipt
 * → play sequence, part by part). This file imports no I/O: every effect is an actor named
 * here and provided at creation from the HAL (device/actors/), and the two delays that
 * depend on the clock are provided the same way. Effects answer with namespaced events:
 * `radio.*` from the link, `store.*` from store answers, `storage.*` / `part.*` from local
 * work, `user.*` from the UI, `power.*` from boot.
 *
 * Deadlines live in the context (the offer's `holdUntilMs`), never only in an `after`
 * timer, because xstate does not restore timers from a persisted snapshot: a restored
 * terminal recomputes every delay from the context it reloads.
 */
import { assign, fromCallback, setup, type AnyEventObject } from 'xstate';
import type { Failure, FailureReason, PartOffer, TerminalContext, TerminalEvent, TerminalInput, TitleJob } from './types.js';

/** An effect actor: started with an input, it answers by sending events back. */
function effect<TInput>() {
  return fromCallback<AnyEventObject, TInput>(() => {
    // Placeholder: terminal.ts provides the real actor, built from the HAL.
    return undefined;
  });
}

/** The typed reason a UI shows, from the event that ended the flow. */
export function failureFrom(reason: FailureReason, event: TerminalEvent, context: TerminalContext): Failure {
  const failure: Failure = { reason, message: 'message' in event ? String(event.message) : reason };
  if ('code' in event) failure.code = event.code;
  if (event.type === 'storage.full') Object.assign(failure, { neededBytes: event.neededBytes, freeBytes: event.freeBytes, freeableBytes: event.freeableBytes });
  if (context.job) failure.part = context.job.part;
  return failure;
}

/** The state path a failure would resume at, for `user.retry` and for a reboot. */
const RESUMABLE = ['title.offering', 'title.needsCredit', 'title.reserving', 'title.downloading', 'title.receipting', 'title.ready', 'title.retiring', 'title.finishing', 'title.cleaning'] as const;
export type ResumePoint = (typeof RESUMABLE)[number] | 'menu';

/** Where a terminal restored in `state` picks up: effects re-run from their last durable step. */
export function resumePointFor(state: string | null, context: Pick<TerminalContext, 'job' | 'offer'>): ResumePoint {
  if (!context.job || state === null) return 'menu';
  const [, sub] = state.split('.');
  switch (sub) {
    case 'offering':
    case 'cancelling':
      return 'title.offering';
    case 'needsCredit':
    case 'toppingUp':
      return 'title.needsCredit';
    case 'reserving':
    case 'downloading':
    case 'verifying':
      return context.offer ? 'title.reserving' : 'title.offering';
    case 'receipting':
      return context.offer ? 'title.receipting' : 'title.offering';
    case 'ready':
    case 'playing':
      return 'title.ready';
    case 'retiring':
      return 'title.retiring';
    case 'finishing':
      return 'title.finishing';
    case 'cleaning':
      return 'title.cleaning';
    default:
      return context.offer ? 'title.reserving' : 'title.offering';
  }
}

const resumeTo = (point: ResumePoint) => ({ context }: { context: TerminalContext }) => resumePointFor(context.resumeFrom, context) === point;

export const MAX_VERIFY_FAILURES = 3;

/** The accepted offer, for the effects of a part in flight (the state is entered only with one). */
const offerInput = ({ context }: { context: TerminalContext }) => ({ offer: context.offer as PartOffer });
/** The card the user typed; it travels in the event only, never into the saved context. */
const cardInput = ({ event }: { event: TerminalEvent }) => (event.type === 'user.redeemCard' ? { card: event.card, password: event.password } : { card: '', password: '' });

export const terminalMachine = setup({
  types: {
    context: {} as TerminalContext,
    events: {} as TerminalEvent,
    input: {} as TerminalInput,
  },
  actors: {
    loadMenu: effect<void>(),
    offerPart: effect<{ part: string }>(),
    redeemCard: effect<{ card: string; password: string }>(),
    reserveStorage: effect<{ offer: PartOffer }>(),
    download: effect<{ offer: PartOffer }>(),
    verifyPart: effect<{ offer: PartOffer }>(),
    sendReceipt: effect<{ offer: PartOffer }>(),
    playPart: effect<{ offer: PartOffer; job: TitleJob }>(),
    retirePart: effect<{ offer: PartOffer }>(),
    finishTitle: effect<{ job: TitleJob; lastPart: string }>(),
    cleanTitle: effect<{ title: string }>(),
    cancelTransfer: effect<{ offer: PartOffer | null }>(),
  },
  guards: {
    autoPlay: ({ context }) => context.job?.autoPlay === true,
    goesOn: ({ event, context }) => event.type === 'part.cleaned' && context.offer?.next != null && context.job?.wantsMore !== false,
    mayVerifyAgain: ({ context }) => context.verifyFailures + 1 < MAX_VERIFY_FAILURES,
    hasJob: ({ context }) => context.job !== null,
    holdsOffer: ({ context }) => context.offer !== null && context.lastCharge?.part !== context.offer.part,
    resumeOffering: resumeTo('title.offering'),
    resumeNeedsCredit: resumeTo('title.needsCredit'),
    resumeReserving: resumeTo('title.reserving'),
    resumeReceipting: resumeTo('title.receipting'),
    resumeReady: resumeTo('title.ready'),
    resumeRetiring: resumeTo('title.retiring'),
    resumeFinishing: resumeTo('title.finishing'),
    resumeCleaning: resumeTo('title.cleaning'),
  },
  delays: {
    /** Until the offer's hold lapses (from context.offer.holdUntilMs and the wall clock). */
    holdLapse: () => 600_000,
    /** How long a terminal waits before trying again after a store-side error. */
    storeErrorRetry: () => 5_000,
  },
  actions: {
    online: assign(({ event }) => (event.type === 'radio.up' ? { radio: 'online' as const, balance: event.balance, currency: event.currency } : {})),
    offline: assign({ radio: 'offline' as const }),
    clearFailure: assign({ failure: null, creditShort: null }),
    startJob: assign(({ event }) =>
      event.type === 'user.buy'
        ? { job: { title: event.title, part: event.firstPart, carried: {}, wantsMore: true, partsPlayed: 0, autoPlay: event.autoPlay ?? false }, offer: null, verifyFailures: 0, failure: null, advert: null }
        : {},
    ),
    takeOffer: assign(({ event, context }) => (event.type === 'store.offer' ? { offer: event.offer, advert: event.advert ?? context.advert, creditShort: null, verifyFailures: 0 } : {})),
    noteCreditShort: assign(({ event }) => (event.type === 'store.creditShort' ? { creditShort: { balance: event.balance, price: event.price }, balance: event.balance } : {})),
    noteBalance: assign(({ event, context }) =>
      (event.type === 'store.cardOk' || event.type === 'store.cancelled' || event.type === 'store.charged') && event.balance !== null ? { balance: event.balance } : { balance: context.balance },
    ),
    noteCharge: assign(({ event }) => (event.type === 'store.charged' ? { lastCharge: { part: event.part, price: event.price, balance: event.balance }, balance: event.balance } : {})),
    freshAttempts: assign({ verifyFailures: 0 }),
    countVerifyFailure: assign(({ context }) => ({ verifyFailures: context.verifyFailures + 1 })),
    takeResults: assign(({ event, context }) =>
      event.type === 'part.played' && context.job
        ? { job: { ...context.job, carried: event.results, wantsMore: event.continue, partsPlayed: context.job.partsPlayed + 1 } }
        : {},
    ),
    nextPart: assign(({ context }) => (context.job && context.offer?.next ? { job: { ...context.job, part: context.offer.next }, offer: null } : {})),
    takeAdvert: assign(({ event }) => (event.type === 'store.advert' ? { advert: event.advert } : {})),
    endJob: assign({ job: null, offer: null, creditShort: null, resumeFrom: null }),
    forgetOffer: assign({ offer: null }),
    failNotEnrolled: assign(({ event }) => ({ failure: { reason: 'not-enrolled' as const, message: event.type === 'radio.refused' ? event.message : 'not enrolled' } })),
    failLoginRefused: assign(({ event }) => ({ failure: { reason: 'login-refused' as const, message: event.type === 'radio.refused' ? event.message : 'login refused' } })),
    failOffer: assign(({ event, context }) => ({ failure: failureFrom('offer-refused', event, context) })),
    failCard: assign(({ event, context }) => ({ failure: failureFrom('card-refused', event, context) })),
    failStorageFull: assign(({ event, context }) => ({ failure: failureFrom('storage-full', event, context) })),
    failManifest: assign(({ event, context }) => ({ failure: failureFrom('bad-manifest', event, context) })),
    failCorrupt: assign(({ event, context }) => ({ failure: failureFrom('part-corrupt', event, context) })),
    failReceipt: assign(({ event, context }) => ({ failure: failureFrom('receipt-refused', event, context) })),
    failStore: assign(({ event, context }) => ({ failure: failureFrom('store-error', event, context) })),
    failDevice: assign(({ event, context }) => ({ failure: failureFrom('device-fault', event, context) })),
    failPlay: assign(({ event, context }) => ({ failure: failureFrom('play-failed', event, context) })),
  },
}).createMachine({
  id: 'terminal',
  context: ({ input }) =>
    input.restored
      ? {
          ...input.restored.context,
          radio: 'offline',
          // A title state says exactly where it was; elsewhere (a failure) the last phase does.
          resumeFrom: input.restored.state.startsWith('title.') ? input.restored.state : input.restored.context.resumeFrom,
        }
      : {
          deviceId: input.deviceId,
          radio: 'offline',
          balance: null,
          currency: null,
          job: null,
          offer: null,
          creditShort: null,
          failure: null,
          verifyFailures: 0,
          lastCharge: null,
          advert: null,
          resumeFrom: null,
        },
  initial: 'booting',
  on: {
    'radio.up': { actions: 'online' },
    'radio.down': { actions: 'offline' },
    'radio.refused': [
      { guard: ({ event }) => event.reason === 'login-refused', target: '.failed.loginRefused', actions: 'failLoginRefused' },
      { target: '.failed.notEnrolled', actions: 'failNotEnrolled' },
    ],
  },
  states: {
    booting: { on: { 'power.booted': 'connecting' } },
    connecting: { on: { 'radio.connected': 'loggingIn', 'radio.up': { target: 'resuming', actions: 'online' } } },
    loggingIn: { on: { 'radio.up': { target: 'resuming', actions: 'online' } } },
    /** Routes a fresh or restored terminal to where its durable state says it was. */
    resuming: {
      always: [
        { guard: 'resumeOffering', target: 'title.offering' },
        { guard: 'resumeNeedsCredit', target: 'title.needsCredit' },
        { guard: 'resumeReserving', target: 'title.reserving' },
        { guard: 'resumeReceipting', target: 'title.receipting' },
        { guard: 'resumeReady', target: 'title.ready' },
        { guard: 'resumeRetiring', target: 'title.retiring' },
        { guard: 'resumeFinishing', target: 'title.finishing' },
        { guard: 'resumeCleaning', target: 'title.cleaning' },
        { target: 'menu', actions: 'endJob' },
      ],
    },
    menu: {
      entry: assign({ resumeFrom: null }),
      initial: 'loading',
      states: {
        loading: { invoke: { src: 'loadMenu' }, on: { 'store.menu': 'idle' } },
        idle: {},
        toppingUp: {
          invoke: { src: 'redeemCard', input: cardInput },
          on: { 'store.cardOk': { target: 'idle', actions: 'noteBalance' }, 'store.cardRefused': { target: '#terminal.failed.cardRefused', actions: 'failCard' } },
        },
      },
      on: {
        'user.browse': '.loading',
        'user.buy': { target: 'title', actions: 'startJob' },
        'user.redeemCard': '.toppingUp',
      },
    },
    title: {
      initial: 'offering',
      entry: 'clearFailure',
      on: {
        'store.error': { target: '#terminal.failed.storeError', actions: 'failStore' },
        'device.fault': { target: '#terminal.failed.deviceFault', actions: 'failDevice' },
      },
      states: {
        offering: {
          entry: assign({ resumeFrom: 'title.offering' }),
          invoke: { src: 'offerPart', input: ({ context }) => ({ part: context.job?.part ?? '' }) },
          on: {
            'store.offer': { target: 'reserving', actions: 'takeOffer' },
            'store.creditShort': { target: 'needsCredit', actions: 'noteCreditShort' },
            'store.refused': { target: '#terminal.failed.offerRefused', actions: 'failOffer' },
            'part.badManifest': { target: '#terminal.failed.badManifest', actions: 'failManifest' },
            'user.cancel': '#terminal.title.cancelling',
          },
        },
        /** Credit is short: the user redeems a prepaid card, then the part is offered again (seed 004). */
        needsCredit: {
          entry: assign({ resumeFrom: 'title.needsCredit' }),
          on: { 'user.redeemCard': 'toppingUp', 'user.cancel': { target: '#terminal.menu', actions: 'endJob' } },
        },
        toppingUp: {
          entry: assign({ resumeFrom: 'title.toppingUp' }),
          invoke: { src: 'redeemCard', input: cardInput },
          on: {
            'store.cardOk': { target: 'offering', actions: 'noteBalance' },
            'store.cardRefused': { target: '#terminal.failed.cardRefused', actions: 'failCard' },
          },
        },
        reserving: {
          entry: assign({ resumeFrom: 'title.reserving' }),
          invoke: { src: 'reserveStorage', input: offerInput },
          on: {
            'storage.reserved': 'downloading',
            'storage.full': { target: '#terminal.failed.storageFull', actions: 'failStorageFull' },
            // The offer's manifest was lost to a power cut before it was stored: ask again.
            'store.holdExpired': { target: 'offering', actions: 'forgetOffer' },
            'part.badManifest': { target: '#terminal.failed.badManifest', actions: 'failManifest' },
            'user.cancel': 'cancelling',
          },
        },
        downloading: {
          entry: assign({ resumeFrom: 'title.downloading' }),
          invoke: { src: 'download', input: offerInput },
          after: { holdLapse: { target: 'offering', actions: 'forgetOffer' } },
          on: {
            'part.downloaded': 'verifying',
            'store.holdExpired': { target: 'offering', actions: 'forgetOffer' },
            'user.cancel': 'cancelling',
          },
        },
        verifying: {
          entry: assign({ resumeFrom: 'title.verifying' }),
          invoke: { src: 'verifyPart', input: offerInput },
          on: {
            'part.verified': 'receipting',
            'store.holdExpired': { target: 'offering', actions: 'forgetOffer' },
            'part.mismatch': [
              { guard: 'mayVerifyAgain', target: 'downloading', actions: 'countVerifyFailure' },
              { target: '#terminal.failed.partCorrupt', actions: ['countVerifyFailure', 'failCorrupt'] },
            ],
          },
        },
        /** Resends the same signed receipt until the charge arrives [FW-8.1]. */
        receipting: {
          entry: assign({ resumeFrom: 'title.receipting' }),
          invoke: { src: 'sendReceipt', input: offerInput },
          on: {
            'store.charged': { target: 'ready', actions: 'noteCharge' },
            // The part is here and verified: a new offer for it needs no new download [FW-8.4].
            'store.holdExpired': { target: 'offering', actions: 'forgetOffer' },
            'store.receiptRefused': { target: '#terminal.failed.receiptRefused', actions: 'failReceipt' },
          },
        },
        /** Charged and verified: only now may the part run [FW-8.5]. */
        ready: {
          entry: assign({ resumeFrom: 'title.ready' }),
          always: { guard: 'autoPlay', target: 'playing' },
          on: { 'user.play': 'playing' },
        },
        playing: {
          entry: assign({ resumeFrom: 'title.playing' }),
          invoke: { src: 'playPart', input: ({ context }) => ({ offer: context.offer as PartOffer, job: context.job as TitleJob }) },
          on: {
            'part.played': { target: 'retiring', actions: 'takeResults' },
            'part.playFailed': { target: '#terminal.failed.playFailed', actions: 'failPlay' },
          },
        },
        /** The part's service ended: delete it unless a later part needs it as base (seed 000 claim 2). */
        retiring: {
          entry: assign({ resumeFrom: 'title.retiring' }),
          invoke: { src: 'retirePart', input: offerInput },
          on: {
            'part.cleaned': [
              { guard: 'goesOn', target: 'offering', actions: 'nextPart' },
              { target: 'finishing' },
            ],
          },
        },
        /** After the last part (or when the player stops): upload results, receive an advert. */
        finishing: {
          entry: assign({ resumeFrom: 'title.finishing' }),
          invoke: { src: 'finishTitle', input: ({ context }) => ({ job: context.job as TitleJob, lastPart: context.offer?.part ?? context.job?.part ?? '' }) },
          on: { 'store.advert': { target: 'cleaning', actions: 'takeAdvert' } },
        },
        cleaning: {
          entry: assign({ resumeFrom: 'title.cleaning' }),
          invoke: { src: 'cleanTitle', input: ({ context }) => ({ title: context.job?.title ?? '' }) },
          on: { 'part.cleaned': { target: '#terminal.menu', actions: 'endJob' } },
        },
        /** The user gave up on the part: release the hold and the storage it reserved. */
        cancelling: {
          entry: assign({ resumeFrom: 'title.cancelling' }),
          invoke: { src: 'cancelTransfer', input: ({ context }) => ({ offer: context.offer }) },
          on: { 'store.cancelled': { target: '#terminal.menu', actions: ['noteBalance', 'endJob'] } },
        },
      },
    },
    /** Every way the flow can stop, each with a typed reason in context.failure. */
    failed: {
      initial: 'storeError',
      states: {
        notEnrolled: {},
        loginRefused: {},
        offerRefused: {},
        cardRefused: {},
        storageFull: {},
        badManifest: {},
        partCorrupt: {},
        receiptRefused: {},
        playFailed: {},
        storeError: { after: { storeErrorRetry: { target: '#terminal.resuming', actions: 'clearFailure' } } },
        deviceFault: { after: { storeErrorRetry: { target: '#terminal.resuming', actions: 'clearFailure' } } },
      },
      on: {
        // Dismissing a failure with an offer still held releases the hold and the storage first.
        'user.dismiss': [
          { guard: 'holdsOffer', target: 'title.cancelling', actions: 'clearFailure' },
          { target: 'menu', actions: ['endJob', 'clearFailure'] },
        ],
        'user.retry': { guard: 'hasJob', target: 'resuming', actions: ['clearFailure', 'freshAttempts'] },
      },
    },
  },
});

export type TerminalMachine = typeof terminalMachine;
