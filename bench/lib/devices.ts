/** Bench device identities: `bench-w-0001` wearing patient `P-0001`, and so on. */
import type { DeviceCredentials } from './load-client.ts';

export interface DeviceIdentity {
  readonly id: string;
  readonly patientId: string;
  readonly index: number;
}

export function deviceIdentities(count: number): DeviceIdentity[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(4, '0');
    return { id: `bench-w-${n}`, patientId: `P-${n}`, index: i };
  });
}

/** For brokers that take anyone (mosquitto and aedes here): credentials are sent but not checked. */
export function anonymousCredentials(count: number): DeviceCredentials[] {
  return deviceIdentities(count).map((d) => ({ ...d, password: 'unchecked' }));
}
