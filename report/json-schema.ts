// The report model as JSON Schema (draft 2020-12), derived from the zod schema so the two cannot drift.
import { z } from 'zod';
import { REPORT_MODEL_VERSION, reportModelSchema } from '../core/report/schema';

export function reportJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(reportModelSchema),
    $id: `https://doorcx.invalid/schemas/commissioning-report-v${REPORT_MODEL_VERSION}.json`,
    title: 'DoorCx commissioning report',
    description: 'The machine-readable results embedded in (and exported beside) a DoorCx commissioning report.',
  };
}
