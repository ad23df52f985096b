/**
 * The radio preset names a scenario may use, kept in this one place: the schema checks
 * `preset:` against it, docs/qa.md lists it, and the radio model (sim/hal/presets.ts) holds the
 * numbers behind each name. A name added there must be added here, or scenarios cannot use it.
 */
export const RADIO_PRESET_NAMES = ['gprs', 'edge', '3g', '4g', 'atc-edge-lossy', 'weak-radio', 'local-wireless'] as const;

export type RadioPresetName = (typeof RADIO_PRESET_NAMES)[number];

/** The preset a fleet group gets when it names none: the link most QA runs start from. */
export const DEFAULT_RADIO_PRESET: RadioPresetName = '4g';
