/**
 * Names and places for the synthetic population. Common first and last names put together at random:
 * no combination describes anyone real. Places are invented (the town of Northby), postcodes sit in the
 * non-geographic ZZ99 area and phone numbers in Ofcom's drama range, so nothing can reach a real address.
 */
import type { Random } from './random.js';

const TOWN = 'Northby';

export const MALE_GIVEN_NAMES: readonly string[] = [
  'James', 'John', 'Daniel', 'Michael', 'David', 'Paul', 'Mark', 'Lee', 'Craig', 'Carl', 'Dean', 'Jason',
  'Wayne', 'Ryan', 'Liam', 'Jamie', 'Kyle', 'Connor', 'Callum', 'Jordan', 'Nathan', 'Aaron', 'Adam', 'Luke',
  'Shane', 'Sean', 'Stephen', 'Steven', 'Jonathan', 'Matthew', 'Thomas', 'Christopher', 'Anthony', 'Darren',
  'Gary', 'Kevin', 'Scott', 'Ross', 'Reece', 'Tyler', 'Bradley', 'Jack', 'Joseph', 'Samuel', 'Mohammed',
  'Imran', 'Tariq', 'Kieran', 'Declan', 'Marcus', 'Troy', 'Leon', 'Dale', 'Philip', 'Martin', 'Robert',
  'Richard', 'Simon', 'Andrew', 'Gareth',
];

export const FEMALE_GIVEN_NAMES: readonly string[] = [
  'Sarah', 'Emma', 'Kelly', 'Lisa', 'Michelle', 'Nicola', 'Rebecca', 'Gemma', 'Stacey', 'Leanne', 'Kerry',
  'Danielle', 'Amy', 'Jade', 'Chloe', 'Hayley', 'Natalie', 'Samantha', 'Laura', 'Claire', 'Joanne',
  'Catherine', 'Donna', 'Tracey', 'Zoe', 'Aisha', 'Shannon', 'Charlotte', 'Sophie', 'Jodie',
];

export const FAMILY_NAMES: readonly string[] = [
  'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Robinson', 'Wright',
  'Thompson', 'Evans', 'Walker', 'White', 'Roberts', 'Green', 'Hall', 'Wood', 'Jackson', 'Clarke', 'Patel',
  'Khan', 'Hughes', 'Edwards', 'Turner', 'Hill', 'Moore', 'Cooper', 'Ward', 'Morris', 'King', 'Watson',
  'Harrison', 'Morgan', 'Baker', 'Young', 'Allen', 'Mitchell', 'Kelly', 'Bennett', 'Carter', 'Marshall',
  'Parker', 'Collins', 'Reid', 'Stewart', 'Murphy', 'Byrne', 'Gray', 'Mathews', 'Phillips', 'Macdonald',
  'Lloyd', 'Holmes', 'Rowe', 'Dixon', 'Barker', 'Fletcher', 'Pearson', 'Hussain', 'Ali', 'Ahmed', 'Nolan',
  'Doyle', 'Quinn', 'Kerr', 'Burke', 'Shaw', 'Lawson', 'Webb', 'Cross', 'Fox', 'Hart', 'Kemp', 'Stone',
  'Rhodes', 'Naylor', 'Booth', 'Firth', 'Hirst', 'Holt', 'Oakes', 'Pratt', 'Slater', 'Tate', 'Weston',
  'Yates', 'Gill', 'Sharp', 'Fisher', 'Hayes', 'Frost', 'Dunn', 'Riley', 'Mason', 'Hudson',
];

/** How a clerk might spell a name differently: Jonathan/Jonathon, Smith/Smyth. */
const VARIANTS: Readonly<Record<string, readonly string[]>> = {
  Jonathan: ['Jonathon', 'Johnathan'],
  Stephen: ['Steven'],
  Steven: ['Stephen'],
  Mohammed: ['Muhammad', 'Mohammad'],
  Sean: ['Shaun'],
  Philip: ['Phillip'],
  Lee: ['Leigh'],
  Carl: ['Karl'],
  Matthew: ['Mathew'],
  Jamie: ['Jaime'],
  Aaron: ['Aron'],
  Reece: ['Reese'],
  Connor: ['Conor'],
  Callum: ['Calum'],
  Gary: ['Garry'],
  Darren: ['Daren'],
  Christopher: ['Christofer'],
  Anthony: ['Antony'],
  Imran: ['Imraan'],
  Tariq: ['Tarik'],
  Catherine: ['Katherine', 'Kathryn'],
  Rebecca: ['Rebekah'],
  Sarah: ['Sara'],
  Nicola: ['Nichola'],
  Zoe: ['Zoey'],
  Stacey: ['Stacy'],
  Tracey: ['Tracy'],
  Leanne: ['Lianne'],
  Kerry: ['Keri'],
  Jodie: ['Jodi'],
  Hayley: ['Haley'],
  Aisha: ['Ayesha'],
  Smith: ['Smyth'],
  Thompson: ['Thomson'],
  Clarke: ['Clark'],
  Reid: ['Reed', 'Read'],
  Stewart: ['Stuart'],
  Byrne: ['Byrnes'],
  Gray: ['Grey'],
  Mathews: ['Matthews'],
  Phillips: ['Philips'],
  Macdonald: ['McDonald', 'MacDonald'],
  Lloyd: ['Loyd'],
  Davies: ['Davis'],
  Hussain: ['Hussein', 'Husain'],
  Ahmed: ['Ahmad'],
  Kelly: ['Kelley'],
  Collins: ['Colins'],
  Morris: ['Moris'],
};

export const hasVariant = (name: string): boolean => name in VARIANTS;

/** Another plausible spelling of the name, never the name itself. */
export function misspell(name: string, random: Random): string {
  const known = VARIANTS[name];
  if (known) return random.pick(known);
  // No recorded variant: a doubled letter written once, or a single one doubled.
  const doubled = /([a-z])\1/.exec(name);
  if (doubled) return name.slice(0, doubled.index) + name.slice(doubled.index + 1);
  const at = random.int(1, name.length - 1);
  return name.slice(0, at + 1) + name.slice(at);
}

const STREETS: readonly string[] = [
  'Larkspur Road', 'Tannery Lane', 'Millrace Close', 'Foundry Street', 'Heron Way', 'Ropewalk', 'Kiln Court',
  'Weaver Street', 'Chandler Gardens', 'Saltings Road', 'Fennel Walk', 'Cinder Row', 'Bargeman Way',
  'Spindle Close', 'Lantern Street', 'Marram Drive', 'Quayside Terrace', 'Osier Lane', 'Bobbin Street',
  'Clinker Road',
];

/** Letters a postcode's inward code may use (C, I, K, M, O and V never appear there). */
const POSTCODE_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

export function inventAddress(random: Random): { line1: string; town: string; postcode: string } {
  const street = random.pick(STREETS);
  const line1 = random.chance(0.3) ? `Flat ${random.int(1, 24)}, ${random.int(1, 90)} ${street}` : `${random.int(1, 140)} ${street}`;
  const letter = () => POSTCODE_LETTERS[random.int(0, POSTCODE_LETTERS.length - 1)] as string;
  return { line1, town: TOWN, postcode: `ZZ99 ${random.int(1, 9)}${letter()}${letter()}` };
}
