// The schedule workspace's handlers: sites, the openings table, the edit form, import/export.
import { ApiError, type FieldIssue } from '../contract';
import type { OpeningDetail, ScheduleOutputs } from '../contract/schedule';
import type { scheduleInputs } from '../contract/schedule';
import { CATEGORIES, FAIL_MODES, LOCK_TYPES, LOCKING_ARRANGEMENTS, SEVERITIES } from '../../core/schedule/types';
import type { Db } from '../../db/sqlite';
import {
  applyImport,
  editOpening,
  exportSite,
  getEditHistory,
  getFindings,
  getOpeningRecord,
  getSite,
  ImportRejected,
  listSites,
  previewImport,
  queryOpenings,
  siteSummary,
  SORTABLE,
  type OpeningQuery,
} from '../../db/schedule';
import type { AppContext } from '../context';
import type { FeatureHandlers } from './index';

function requireSite(db: Db, siteId: number) {
  const site = getSite(db, siteId);
  if (!site) throw new ApiError('not-found', `There is no site with id ${siteId}.`);
  return site;
}

function detail(db: Db, siteId: number, openingId: string): OpeningDetail {
  const rec = getOpeningRecord(db, siteId, openingId);
  if (!rec) throw new ApiError('not-found', `There is no opening "${openingId}" in site ${siteId}.`);
  return {
    siteId,
    opening: rec.opening,
    version: rec.version,
    findings: getFindings(db, rec.ref),
    history: getEditHistory(db, siteId, openingId),
  };
}

/** A filter value must be one of its vocabulary; named in the error otherwise. */
function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined || value === '') return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ApiError('validation', `${name} must be one of: ${allowed.join(', ')} (got "${value}").`, [
    { field: name, value, reason: `must be one of: ${allowed.join(', ')}` } satisfies FieldIssue,
  ]);
}

function decodeBase64(b64: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64.replace(/\s+/g, ''))) throw new ApiError('invalid-input', 'contentBase64 is not valid base64.');
  return Buffer.from(b64, 'base64');
}

export function createScheduleHandlers(ctx: AppContext): FeatureHandlers<keyof typeof scheduleInputs> {
  const { db } = ctx;
  return {
    listSites: () => listSites(db),

    getSiteSummary: ({ siteId }) => {
      const site = requireSite(db, siteId);
      return { site, ...siteSummary(db, siteId) };
    },

    queryOpenings: (q): ScheduleOutputs['queryOpenings'] => {
      requireSite(db, q.siteId);
      if (q.sort && !SORTABLE.has(q.sort.field)) {
        throw new ApiError('validation', `Cannot sort by "${q.sort.field}".`, [
          { field: 'sort.field', value: q.sort.field, reason: 'not a sortable column' },
        ]);
      }
      const query: OpeningQuery = {
        siteId: q.siteId,
        offset: q.offset,
        limit: q.limit,
        ...(q.search !== undefined ? { search: q.search } : {}),
        ...(q.sort ? { sort: q.sort as OpeningQuery['sort'] & object } : {}),
      };
      const category = oneOf('category', q.category, CATEGORIES);
      const failMode = oneOf('failMode', q.failMode, FAIL_MODES);
      const lockType = oneOf('lockType', q.lockType, LOCK_TYPES);
      const arrangement = oneOf('lockingArrangement', q.lockingArrangement, LOCKING_ARRANGEMENTS);
      const severity = oneOf('severity', q.severity, [...SEVERITIES, 'any', 'none'] as const);
      if (category) query.category = category;
      if (failMode) query.failMode = failMode;
      if (lockType) query.lockType = lockType;
      if (arrangement) query.lockingArrangement = arrangement;
      if (severity) query.severity = severity;
      if (q.powerSupply === null) query.powerSupply = '';
      else if (q.powerSupply) query.powerSupply = q.powerSupply;
      return queryOpenings(db, query);
    },

    getOpening: ({ siteId, openingId }) => {
      requireSite(db, siteId);
      return detail(db, siteId, openingId);
    },

    updateOpening: ({ siteId, openingId, changes, editor, baseVersion }) => {
      requireSite(db, siteId);
      const r = editOpening(db, { siteId, openingId, changes, editor, baseVersion, now: ctx.now() });
      if (!r.ok) {
        if (r.kind === 'not-found') throw new ApiError('not-found', r.message);
        if (r.kind === 'conflict') throw new ApiError('conflict', r.message, { currentVersion: r.currentVersion });
        throw new ApiError('validation', r.message, r.issues satisfies FieldIssue[]);
      }
      return detail(db, siteId, openingId);
    },

    previewImport: async ({ fileName, contentBase64, siteName }) => {
      const { openings: _openings, ...preview } = await previewImport(db, { fileName, bytes: decodeBase64(contentBase64), siteName });
      return preview;
    },

    applyImport: async ({ fileName, contentBase64, siteName, confirmDiffHash, editor }) => {
      try {
        const r = await applyImport(db, {
          fileName,
          bytes: decodeBase64(contentBase64),
          siteName,
          confirmDiffHash,
          editor,
          now: ctx.now(),
        });
        return { siteId: r.siteId, added: r.added, changed: r.changed, removed: r.removed };
      } catch (err) {
        if (err instanceof ImportRejected) {
          throw new ApiError(err.kind === 'stale' ? 'conflict' : 'import-rejected', err.message, err.errors satisfies FieldIssue[]);
        }
        throw err;
      }
    },

    exportSchedule: async ({ siteId, format }) => {
      requireSite(db, siteId);
      const f = await exportSite(db, siteId, format);
      return { fileName: f.fileName, mimeType: f.mimeType, contentBase64: f.bytes.toString('base64') };
    },
  };
}
