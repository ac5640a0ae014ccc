// Every field of one opening in a validated form. The zod schema is the same one
// the import uses (core/schedule/schema.ts), so the form and the file accept
// exactly the same values; OPENING_FIELDS gives labels, kinds, options and help.
import { zodResolver } from '@hookform/resolvers/zod';
import { useId } from 'react';
import { useForm, type FieldError, type UseFormRegisterReturn } from 'react-hook-form';
import type { z } from 'zod';
import { formatValue } from '../../../core/schedule/format';
import { OPENING_FIELDS, openingSchema, type OpeningFieldMeta } from '../../../core/schedule/schema';
import type { Opening, OpeningField } from '../../../core/schedule/types';
import { humanize } from '../ui/format';

export type FormIn = z.input<typeof openingSchema>;
export type FormOut = z.output<typeof openingSchema>;

const GROUPS: { id: OpeningFieldMeta['group']; title: string }[] = [
  { id: 'identity', title: 'Identity and location' },
  { id: 'locking', title: 'Locking and egress' },
  { id: 'door', title: 'Door and hardware' },
  { id: 'power', title: 'Power' },
  { id: 'controller', title: 'Controller wiring (OSDP)' },
  { id: 'compliance', title: 'Code basis, procurement and notes' },
];

/** Form values are what a person types: text for numbers, blank for "none". */
export function toFormValues(o: Opening): FormIn {
  const values: Record<string, unknown> = { extras: { ...o.extras } };
  for (const m of OPENING_FIELDS) {
    const v = o[m.field];
    values[m.field] = m.kind === 'boolean' ? Boolean(v) : formatValue(v);
  }
  return values as FormIn;
}

/** Only the fields whose value differs from the stored opening. */
export function changedFields(before: Opening, after: FormOut): Partial<Record<OpeningField, unknown>> {
  const changes: Partial<Record<OpeningField, unknown>> = {};
  for (const m of OPENING_FIELDS) {
    if (formatValue(after[m.field]) !== formatValue(before[m.field])) changes[m.field] = after[m.field];
  }
  return changes;
}

export function useOpeningForm(opening: Opening) {
  return useForm<FormIn, unknown, FormOut>({
    resolver: zodResolver(openingSchema),
    defaultValues: toFormValues(opening),
    mode: 'onTouched',
  });
}

export type OpeningFormApi = ReturnType<typeof useOpeningForm>;

export function OpeningFields({ form, readOnly }: { form: OpeningFormApi; readOnly: ReadonlySet<OpeningField> }) {
  const errors = form.formState.errors as Partial<Record<OpeningField, FieldError>>;
  return (
    <>
      {GROUPS.map((g) => (
        <fieldset className="group" key={g.id}>
          <legend>{g.title}</legend>
          <div className="form-grid">
            {OPENING_FIELDS.filter((m) => m.group === g.id).map((m) => (
              <Field key={m.field} meta={m} reg={form.register(m.field)} error={errors[m.field]} readOnly={readOnly.has(m.field)} />
            ))}
          </div>
        </fieldset>
      ))}
    </>
  );
}

function Field({
  meta,
  reg,
  error,
  readOnly,
}: {
  meta: OpeningFieldMeta;
  reg: UseFormRegisterReturn;
  error?: FieldError;
  readOnly: boolean;
}) {
  const id = useId();
  const inputId = `${id}-${meta.field}`;
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;
  const hint = [meta.help, readOnly ? 'Fixed here; re-import to rename' : ''].filter(Boolean).join('. ');
  const describedBy = [hint ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id: inputId,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    'aria-required': meta.required || undefined,
    'data-field': meta.field,
    ...reg,
  };
  const label = (
    <>
      {meta.label}
      {meta.unit ? ` (${meta.unit})` : ''}
      {meta.required && (
        <span aria-hidden="true" style={{ color: 'var(--danger)' }}>
          {' '}
          *
        </span>
      )}
    </>
  );

  if (meta.kind === 'boolean') {
    return (
      <div className="field">
        <span className="label" aria-hidden="true">
          &nbsp;
        </span>
        <label className="checkbox" htmlFor={inputId}>
          <input type="checkbox" {...common} />
          {label}
        </label>
        {hint && (
          <span id={hintId} className="hint">
            {hint}
          </span>
        )}
        {error && (
          <p id={errorId} className="field-error">
            {error.message}
          </p>
        )}
      </div>
    );
  }

  let control;
  if (meta.kind === 'enum') {
    control = (
      <select {...common} disabled={readOnly}>
        {!meta.required && meta.defaultValue === undefined && <option value="">—</option>}
        {(meta.options ?? []).map((o) => (
          <option key={o} value={o}>
            {humanize(o)}
          </option>
        ))}
      </select>
    );
  } else if (meta.kind === 'longtext') {
    control = <textarea {...common} readOnly={readOnly} />;
  } else {
    const numeric = meta.kind === 'integer' || meta.kind === 'decimal';
    control = (
      <input
        type="text"
        inputMode={numeric ? (meta.kind === 'integer' ? 'numeric' : 'decimal') : undefined}
        autoComplete="off"
        {...common}
        readOnly={readOnly}
      />
    );
  }

  return (
    <div className={`field${meta.kind === 'longtext' ? ' wide' : ''}`}>
      <label htmlFor={inputId}>{label}</label>
      {control}
      {hint && (
        <span id={hintId} className="hint">
          {hint}
        </span>
      )}
      {error && (
        <p id={errorId} className="field-error">
          {error.message}
        </p>
      )}
    </div>
  );
}
