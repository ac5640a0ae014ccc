// Writes docs/report.schema.json from the model's zod schema:
// `node --import tsx report/write-schema.ts` after changing core/report/schema.ts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportJsonSchema } from './json-schema';

writeFileSync(join(import.meta.dirname, '..', 'docs', 'report.schema.json'), JSON.stringify(reportJsonSchema(), null, 2) + '\n');
