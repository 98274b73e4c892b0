/**
 * Offences as the population's records word them, and the groupings the agencies act on.
 */
import type { OffenceCategory } from './types.js';

export const OFFENCE_WORDING: Readonly<Record<OffenceCategory, readonly string[]>> = {
  burglary: ['Burglary (dwelling)', 'Burglary (non-dwelling)', 'Attempted burglary (dwelling)'],
  robbery: ['Robbery of personal property', 'Robbery (business property)'],
  'theft-from-person': ['Theft from the person', 'Snatch theft from the person'],
  'vehicle-theft': ['Theft of a motor vehicle', 'Theft from a motor vehicle', 'Aggravated vehicle taking'],
  shoplifting: ['Theft from a shop', 'Theft from a shop (repeat)'],
  violence: ['Assault occasioning actual bodily harm', 'Common assault', 'Unlawful wounding'],
  drugs: ['Possession with intent to supply (class A)', 'Possession of a controlled drug (class A)', 'Possession of a controlled drug (class B)'],
  'criminal-damage': ['Criminal damage', 'Criminal damage (over £5,000)'],
  'domestic-abuse': ['Assault by beating (domestic)', 'Controlling or coercive behaviour', 'Breach of a non-molestation order'],
  'public-order': ['Threatening behaviour', 'Affray', 'Disorderly behaviour'],
  weapons: ['Possession of a bladed article', 'Possession of an offensive weapon'],
};

/** Trigger offences for a drug test on arrest: theft, burglary, robbery and drug offences. */
export const TRIGGER_OFFENCES: readonly OffenceCategory[] = ['burglary', 'robbery', 'theft-from-person', 'vehicle-theft', 'shoplifting', 'drugs'];

/** Offences that earn a violence warning marker and weigh on risk of serious harm. */
export const VIOLENT_OFFENCES: readonly OffenceCategory[] = ['violence', 'domestic-abuse', 'weapons', 'robbery'];

export const ACQUISITIVE_OFFENCES: readonly OffenceCategory[] = ['burglary', 'robbery', 'theft-from-person', 'vehicle-theft', 'shoplifting'];

/** Index offences of people under probation supervision or in custody. */
export const SUPERVISED_MIX: readonly (readonly [OffenceCategory, number])[] = [
  ['burglary', 17],
  ['robbery', 7],
  ['theft-from-person', 9],
  ['vehicle-theft', 8],
  ['shoplifting', 17],
  ['violence', 14],
  ['drugs', 10],
  ['domestic-abuse', 9],
  ['weapons', 4],
  ['criminal-damage', 3],
  ['public-order', 2],
];

/** Offences of people the police know but no one supervises. */
export const POLICE_MIX: readonly (readonly [OffenceCategory, number])[] = [
  ['shoplifting', 18],
  ['violence', 16],
  ['public-order', 12],
  ['criminal-damage', 12],
  ['drugs', 12],
  ['burglary', 7],
  ['theft-from-person', 6],
  ['vehicle-theft', 6],
  ['domestic-abuse', 7],
  ['robbery', 2],
  ['weapons', 2],
];

/** Chance that someone whose offending centres on the category misuses drugs. */
export const DRUG_MISUSE_LIKELIHOOD: Readonly<Record<OffenceCategory, number>> = {
  burglary: 0.6,
  robbery: 0.5,
  'theft-from-person': 0.6,
  'vehicle-theft': 0.35,
  shoplifting: 0.7,
  violence: 0.2,
  drugs: 0.75,
  'criminal-damage': 0.2,
  'domestic-abuse': 0.2,
  'public-order': 0.2,
  weapons: 0.25,
};

export const CATEGORY_LABEL: Readonly<Record<OffenceCategory, string>> = {
  burglary: 'burglary',
  robbery: 'robbery',
  'theft-from-person': 'theft from the person',
  'vehicle-theft': 'vehicle theft',
  shoplifting: 'shoplifting',
  violence: 'violence',
  drugs: 'drug offences',
  'criminal-damage': 'criminal damage',
  'domestic-abuse': 'domestic abuse',
  'public-order': 'public order',
  weapons: 'weapons',
};
