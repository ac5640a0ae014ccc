// The office's read-only view: sites, progress by floor, verdicts, deficiencies, and
// which device last synced. Plain HTML from the records as devices pushed them.
import type pg from 'pg';

const esc = (v: string | number | null | undefined): string =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} — DoorCx office</title>
<style>body{font:15px system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #bbb;padding:.3rem .6rem;text-align:left}th{background:#eee}.fail{color:#a00;font-weight:600}.pass{color:#060}</style>
</head><body>${body}</body></html>`;

export async function officeSitesPage(pool: pg.Pool): Promise<string> {
  const sites = (
    await pool.query<{
      id: string;
      name: string;
      version: number | null;
      openings: number | null;
      attempts: string;
      open_defs: string;
      last_sync: Date | null;
    }>(
      `SELECT s.id, s.name,
         (SELECT max(version) FROM schedule_versions v WHERE v.site_id = s.id) AS version,
         (SELECT opening_count FROM schedule_versions v WHERE v.site_id = s.id ORDER BY version DESC LIMIT 1) AS openings,
         (SELECT count(*) FROM records r WHERE r.site_id = s.id AND r.kind = 'attempt') AS attempts,
         (SELECT count(*) FROM records r WHERE r.site_id = s.id AND r.kind = 'deficiency') AS open_defs,
         (SELECT max(d.last_seen_at) FROM grants g JOIN devices d ON d.id = g.device_id WHERE g.site_id = s.id) AS last_sync
       FROM sites s ORDER BY s.name`,
    )
  ).rows;
  const rows = sites
    .map(
      (s) =>
        `<tr><td><a href="/office/sites/${esc(s.id)}">${esc(s.name)}</a></td><td>${s.version ?? 0}</td><td>${s.openings ?? 0}</td><td>${esc(s.attempts)}</td><td>${esc(s.open_defs)}</td><td>${esc(s.last_sync?.toISOString() ?? 'never')}</td></tr>`,
    )
    .join('');
  return page(
    'Sites',
    `<h1>Sites</h1><table><thead><tr><th>Site</th><th>Schedule version</th><th>Openings</th><th>Attempts</th><th>Deficiencies</th><th>Last device sync</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

export async function officeSitePage(pool: pg.Pool, siteId: string): Promise<string> {
  const site = (await pool.query<{ name: string }>('SELECT name FROM sites WHERE id = $1', [siteId])).rows[0];
  if (!site) return page('Not found', `<h1>No such site</h1><p><a href="/office">All sites</a></p>`);
  // The latest attempt per (opening, procedure) that is not superseded, with its end if any.
  const floors = (
    await pool.query<{ floor: string; openings: string; pass: string; fail: string; inconclusive: string; running: string }>(
      `WITH a AS (
         SELECT r.uuid, (r.body->>'opening_snapshot')::jsonb->>'floor' AS floor, r.body->>'opening_id' AS opening_id
         FROM records r WHERE r.site_id = $1 AND r.kind = 'attempt'
           AND NOT EXISTS (SELECT 1 FROM records s WHERE s.site_id = $1 AND s.kind = 'attempt' AND s.body->>'supersedes_uuid' = r.uuid::text)
       ), e AS (
         SELECT (body->>'attempt_uuid') AS attempt_uuid, body->>'verdict' AS verdict FROM records WHERE site_id = $1 AND kind = 'attempt-end'
       )
       SELECT coalesce(nullif(a.floor, ''), '(no floor)') AS floor, count(DISTINCT a.opening_id) AS openings,
         count(*) FILTER (WHERE e.verdict = 'pass') AS pass, count(*) FILTER (WHERE e.verdict = 'fail') AS fail,
         count(*) FILTER (WHERE e.verdict = 'inconclusive') AS inconclusive, count(*) FILTER (WHERE e.verdict IS NULL) AS running
       FROM a LEFT JOIN e ON e.attempt_uuid = a.uuid::text GROUP BY 1 ORDER BY 1`,
      [siteId],
    )
  ).rows;
  const defs = (
    await pool.query<{
      opening_id: string;
      severity: string;
      description: string;
      status: string | null;
      repeats: string;
      last_repeat: string | null;
      device: string;
    }>(
      // Status changes and repeat failures (occurrences) refer to their deficiency first in refs (indexed).
      `SELECT d.body->>'opening_id' AS opening_id, d.body->>'severity' AS severity, d.body->>'description' AS description,
         (SELECT s.body->>'status' FROM records s WHERE s.kind = 'deficiency-status' AND s.refs[1] = d.uuid ORDER BY s.seq DESC LIMIT 1) AS status,
         (SELECT count(*) FROM records o WHERE o.kind = 'deficiency-occurrence' AND o.refs[1] = d.uuid) AS repeats,
         (SELECT max(o.body->>'at') FROM records o WHERE o.kind = 'deficiency-occurrence' AND o.refs[1] = d.uuid) AS last_repeat,
         dv.name AS device
       FROM records d JOIN devices dv ON dv.id = d.device_id WHERE d.site_id = $1 AND d.kind = 'deficiency' ORDER BY d.seq`,
      [siteId],
    )
  ).rows;
  const devices = (
    await pool.query<{ name: string; last_seen_at: Date | null; revoked_at: Date | null }>(
      'SELECT d.name, d.last_seen_at, d.revoked_at FROM grants g JOIN devices d ON d.id = g.device_id WHERE g.site_id = $1 ORDER BY d.last_seen_at DESC NULLS LAST',
      [siteId],
    )
  ).rows;
  // Field edits proposed from laptops, against the version they had: "conflict" when the
  // office has published a newer version since (both sides are kept; nothing is applied).
  const proposals = (
    await pool.query<{
      opening_id: string;
      field: string;
      old_value: string;
      new_value: string;
      base: number;
      current: number | null;
      device: string;
    }>(
      `SELECT p.body->>'opening_id' AS opening_id, p.body->>'field' AS field, p.body->>'old_value' AS old_value, p.body->>'new_value' AS new_value,
         (p.body->>'base_version')::int AS base, (SELECT max(version) FROM schedule_versions v WHERE v.site_id = $1) AS current, dv.name AS device
       FROM records p JOIN devices dv ON dv.id = p.device_id WHERE p.site_id = $1 AND p.kind = 'proposal' ORDER BY p.seq`,
      [siteId],
    )
  ).rows;
  const proposalRows = proposals
    .map(
      (p) =>
        `<tr><td>${esc(p.opening_id)}</td><td>${esc(p.field)}</td><td>${esc(p.old_value)}</td><td>${esc(p.new_value)}</td><td>${p.base}</td><td>${(p.current ?? 0) > p.base ? '<strong class="fail">conflict: newer version published</strong>' : 'open'}</td><td>${esc(p.device)}</td></tr>`,
    )
    .join('');
  const floorRows = floors
    .map(
      (f) =>
        `<tr><td>${esc(f.floor)}</td><td>${esc(f.openings)}</td><td class="pass">${esc(f.pass)}</td><td class="fail">${esc(f.fail)}</td><td>${esc(f.inconclusive)}</td><td>${esc(f.running)}</td></tr>`,
    )
    .join('');
  const defRows = defs
    .map(
      (d) =>
        `<tr><td>${esc(d.opening_id)}</td><td>${esc(d.severity)}</td><td>${esc(d.description)}</td><td>${esc(d.status ?? 'open')}</td><td>${Number(d.repeats) === 0 ? 'none' : `<span class="fail">${esc(d.repeats)}</span>, last ${esc(d.last_repeat)}`}</td><td>${esc(d.device)}</td></tr>`,
    )
    .join('');
  const devRows = devices
    .map(
      (d) =>
        `<tr><td>${esc(d.name)}</td><td>${esc(d.last_seen_at?.toISOString() ?? 'never')}</td><td>${d.revoked_at ? 'revoked' : 'active'}</td></tr>`,
    )
    .join('');
  return page(
    site.name,
    `<p><a href="/office">All sites</a></p><h1>${esc(site.name)}</h1>
<h2>Progress by floor (latest attempt per procedure)</h2><table><thead><tr><th>Floor</th><th>Openings tested</th><th>Pass</th><th>Fail</th><th>Inconclusive</th><th>Not ended</th></tr></thead><tbody>${floorRows}</tbody></table>
<h2>Deficiencies</h2><table><thead><tr><th>Opening</th><th>Severity</th><th>Description</th><th>Status</th><th>Failed again</th><th>Device</th></tr></thead><tbody>${defRows}</tbody></table>
<h2>Schedule edits proposed from devices</h2><table><thead><tr><th>Opening</th><th>Field</th><th>Was</th><th>Proposed</th><th>Base version</th><th>State</th><th>Device</th></tr></thead><tbody>${proposalRows}</tbody></table>
<h2>Devices</h2><table><thead><tr><th>Device</th><th>Last sync</th><th>State</th></tr></thead><tbody>${devRows}</tbody></table>`,
  );
}
