/** Hospitals the drones fly from, and the people and parcels of their deliveries. */
import type { PAYLOAD_KINDS } from '../../src/telemetry/schemas.ts';
import type { LatLon } from './geo.ts';

export interface Base extends LatLon {
  readonly name: string;
  /** Typical ambient temperature, °C: what an unrefrigerated payload drifts towards. */
  readonly ambientC: number;
  readonly phonePrefix: string;
}

export const BASES: readonly Base[] = [
  { name: 'SSKM Hospital, Kolkata', lat: 22.539, lon: 88.3433, ambientC: 29, phonePrefix: '+91 9' },
  { name: 'CHUK, Kigali', lat: -1.9441, lon: 30.0619, ambientC: 24, phonePrefix: '+250 78' },
  {
    name: 'Korle Bu Teaching Hospital, Accra',
    lat: 5.5365,
    lon: -0.2275,
    ambientC: 30,
    phonePrefix: '+233 24',
  },
  {
    name: 'Kenyatta National Hospital, Nairobi',
    lat: -1.301,
    lon: 36.807,
    ambientC: 21,
    phonePrefix: '+254 7',
  },
];

export type PayloadKind = (typeof PAYLOAD_KINDS)[number];

export interface ParcelTemplate {
  readonly kind: PayloadKind;
  readonly description: string;
  readonly quantity: number;
  readonly kg: number;
  /** Temperature the parcel leaves the hospital at; null when nobody measures it. */
  readonly startC: number | null;
  /** Hours for the gap to ambient to shrink by e (insulated boxes keep the cold for hours). */
  readonly insulationH: number;
}

export const PARCELS: readonly ParcelTemplate[] = [
  { kind: 'vaccine', description: 'BCG x10', quantity: 10, kg: 0.8, startC: 4, insulationH: 6 },
  { kind: 'vaccine', description: 'Measles-rubella x20', quantity: 20, kg: 1.2, startC: 5, insulationH: 6 },
  {
    kind: 'blood',
    description: 'O negative red cells, 2 units',
    quantity: 2,
    kg: 1.1,
    startC: 4,
    insulationH: 4,
  },
  { kind: 'blood', description: 'Platelets, 1 unit', quantity: 1, kg: 0.5, startC: 22, insulationH: 3 },
  {
    kind: 'sample',
    description: 'Sputum samples for TB testing x6',
    quantity: 6,
    kg: 0.4,
    startC: 8,
    insulationH: 3,
  },
  { kind: 'medicine', description: 'Oxytocin x10', quantity: 10, kg: 0.3, startC: 6, insulationH: 4 },
  { kind: 'medicine', description: 'Anti-venom x4', quantity: 4, kg: 0.6, startC: 5, insulationH: 4 },
  { kind: 'organ', description: 'Cornea for transplant', quantity: 1, kg: 1.5, startC: 4, insulationH: 8 },
  { kind: 'equipment', description: 'Suture kit', quantity: 2, kg: 1.0, startC: null, insulationH: 1 },
  { kind: 'other', description: 'Insulin pens x5', quantity: 5, kg: 0.4, startC: 6, insulationH: 5 },
];

export const GIVEN_NAMES: readonly string[] = [
  'Anita',
  'Rahul',
  'Priya',
  'Arjun',
  'Grace',
  'Jean',
  'Aline',
  'Kwame',
  'Ama',
  'Wanjiru',
  'Otieno',
  'Fatima',
  'Samuel',
  'Esther',
  'Nadia',
  'Ibrahim',
];
export const FAMILY_NAMES: readonly string[] = [
  'Das',
  'Sen',
  'Banerjee',
  'Mukherjee',
  'Uwimana',
  'Habimana',
  'Mensah',
  'Owusu',
  'Kamau',
  'Odhiambo',
  'Mutua',
  'Boateng',
  'Ghosh',
  'Niyonzima',
];
export const FAILURE_NOTES: readonly string[] = [
  'recipient not available at the drop point',
  'landing zone obstructed',
  'recipient could not confirm identity',
  'wind above limits at the destination',
];
