// Every page of the app, in one list. A feature adds a page by adding one entry
// here (its component lives in its own folder, e.g. renderer/src/runs/).
// The first matching entry wins, so put specific paths before general ones.
import type { ReactNode } from 'react';
import { ControllerPage } from './controller-link/ControllerPage';
import { OpeningPage } from './pages/OpeningPage';
import { PowerPage } from './power/PowerPage';
import { SitePage } from './pages/SitePage';
import { SitesPage } from './pages/SitesPage';
import { ChecklistPage } from './runs/ChecklistPage';
import { DeficienciesPage } from './runs/DeficienciesPage';
import { RunPage } from './runs/RunPage';
import { RunsPage } from './runs/RunsPage';
import { SyncPage } from './sync/SyncPage';
import { ReportsPage } from './reports/ReportsPage';

export interface AppRoute {
  /** Hash path pattern; `:name` segments become params. */
  path: string;
  /** The page. Params are already URI-decoded. */
  render: (params: Record<string, string>) => ReactNode;
  /** The last breadcrumb (after "Sites" and the site picker when the path has :siteId). */
  crumb?: (params: Record<string, string>) => string;
  /** Title of the browser tab / window. */
  title: (params: Record<string, string>) => string;
}

export const routes: AppRoute[] = [
  { path: '/sites', render: () => <SitesPage />, title: () => 'Sites' },
  { path: '/controller', render: () => <ControllerPage />, crumb: () => 'Controller link', title: () => 'Controller link' },
  { path: '/sync', render: () => <SyncPage />, crumb: () => 'Sync', title: () => 'Sync' },
  {
    path: '/sites/:siteId',
    render: (p) => <SitePage key={p.siteId} siteId={Number(p.siteId)} />,
    title: () => 'Schedule',
  },
  {
    path: '/sites/:siteId/openings/:openingId',
    render: (p) => <OpeningPage key={`${p.siteId}/${p.openingId}`} siteId={Number(p.siteId)} openingId={p.openingId ?? ''} />,
    crumb: (p) => `Opening ${p.openingId ?? ''}`,
    title: (p) => `Opening ${p.openingId ?? ''}`,
  },
  {
    path: '/sites/:siteId/power',
    render: (p) => <PowerPage key={p.siteId} siteId={Number(p.siteId)} />,
    crumb: () => 'Power',
    title: () => 'Power',
  },
  {
    path: '/sites/:siteId/runs',
    render: (p) => <RunsPage key={p.siteId} siteId={Number(p.siteId)} />,
    crumb: () => 'Runs',
    title: () => 'Runs',
  },
  {
    path: '/sites/:siteId/runs/:runId',
    render: (p) => <RunPage key={p.runId} siteId={Number(p.siteId)} runId={Number(p.runId)} />,
    crumb: (p) => `Run #${p.runId ?? ''}`,
    title: (p) => `Run #${p.runId ?? ''}`,
  },
  {
    path: '/sites/:siteId/runs/:runId/openings/:openingId',
    render: (p) => (
      <ChecklistPage key={`${p.runId}/${p.openingId}`} siteId={Number(p.siteId)} runId={Number(p.runId)} openingId={p.openingId ?? ''} />
    ),
    crumb: (p) => `Run #${p.runId ?? ''} › ${p.openingId ?? ''}`,
    title: (p) => `Test ${p.openingId ?? ''}`,
  },
  {
    path: '/sites/:siteId/runs/:runId/deficiencies',
    render: (p) => <DeficienciesPage key={p.runId} siteId={Number(p.siteId)} runId={Number(p.runId)} />,
    crumb: (p) => `Run #${p.runId ?? ''} › Deficiencies`,
    title: () => 'Deficiencies',
  },
  {
    path: '/sites/:siteId/reports',
    render: (p) => <ReportsPage key={p.siteId} siteId={Number(p.siteId)} />,
    crumb: () => 'Reports',
    title: () => 'Reports',
  },
];

export const DEFAULT_PATH = '/sites';
