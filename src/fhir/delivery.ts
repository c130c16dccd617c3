/**
 * Drone delivery events as FHIR (docs/fhir.md, "Drones"): each event is a SupplyDelivery (what, where,
 * when, to whom) and a Task whose businessStatus is the event, so the chain of custody reads as the
 * Task's history. Pure.
 */
import type { SupplyDelivery, Task } from '@medplum/fhirtypes';
import type { StoredReading } from '../store/index.ts';
import type { DeliveryReading } from '../telemetry/index.ts';
import { DELIVERY_EVENT_CODES, FLIGHT_ID_SYSTEM, PAYLOAD_CODES, READING_ID_SYSTEM } from './codes.ts';
import { deviceReference, iso, patientReference } from './observations.ts';

const SUPPLY_STATUS: Record<DeliveryReading['event'], SupplyDelivery['status']> = {
  dispatched: 'in-progress',
  takeoff: 'in-progress',
  arrived: 'in-progress',
  delivered: 'completed',
  failed: 'abandoned',
  returned: 'abandoned',
};

const TASK_STATUS: Record<DeliveryReading['event'], Task['status']> = {
  dispatched: 'in-progress',
  takeoff: 'in-progress',
  arrived: 'in-progress',
  delivered: 'completed',
  failed: 'failed',
  returned: 'failed',
};

const EVENT_DISPLAY: Record<DeliveryReading['event'], string> = {
  dispatched: 'Dispatched',
  takeoff: 'Took off',
  arrived: 'Arrived',
  delivered: 'Delivered',
  failed: 'Failed',
  returned: 'Returned',
};

const readingIdentifier = (reading: StoredReading) => [{ system: READING_ID_SYSTEM, value: reading.id }];
const flightIdentifier = (flightId: string) => ({ system: FLIGHT_ID_SYSTEM, value: flightId });

/** Coordinates as the text of a location (SupplyDelivery has no position of its own). */
const where = (p: DeliveryReading['position']) =>
  p ? `lat ${p.lat}, lon ${p.lon}${p.altM === undefined ? '' : `, alt ${p.altM} m`}` : undefined;

export function supplyDelivery(reading: StoredReading): SupplyDelivery {
  const d = reading.data as DeliveryReading;
  const place = where(d.position);
  return {
    resourceType: 'SupplyDelivery',
    id: reading.id,
    identifier: [...readingIdentifier(reading), flightIdentifier(d.flightId)],
    status: SUPPLY_STATUS[d.event],
    ...(d.patientId ? { patient: patientReference(d.patientId) } : {}),
    ...(d.payload
      ? {
          suppliedItem: {
            ...(d.payload.quantity === undefined ? {} : { quantity: { value: d.payload.quantity } }),
            itemCodeableConcept: {
              coding: [{ system: PAYLOAD_CODES, code: d.payload.kind, display: d.payload.kind }],
              ...(d.payload.description ? { text: d.payload.description } : {}),
            },
          },
        }
      : {}),
    occurrenceDateTime: iso(reading.ts),
    ...(place ? { destination: { display: place } } : {}),
    ...(d.recipient?.name ? { receiver: [{ display: d.recipient.name }] } : {}),
  };
}

export function deliveryTask(reading: StoredReading): Task {
  const d = reading.data as DeliveryReading;
  return {
    resourceType: 'Task',
    id: reading.id,
    identifier: [...readingIdentifier(reading), flightIdentifier(d.flightId)],
    groupIdentifier: flightIdentifier(d.flightId),
    status: TASK_STATUS[d.event],
    businessStatus: {
      coding: [{ system: DELIVERY_EVENT_CODES, code: d.event, display: EVENT_DISPLAY[d.event] }],
      text: d.event,
    },
    intent: 'order',
    code: {
      coding: [
        {
          system: 'http://hl7.org/fhir/CodeSystem/task-code',
          code: 'fulfill',
          display: 'Fulfill the focal request',
        },
      ],
    },
    focus: { reference: `SupplyDelivery/${reading.id}` },
    ...(d.patientId ? { for: patientReference(d.patientId) } : {}),
    authoredOn: iso(reading.ts),
    lastModified: iso(reading.receivedAt),
    owner: deviceReference(reading.deviceId),
    ...(d.notes ? { note: [{ text: d.notes }] } : {}),
  };
}
