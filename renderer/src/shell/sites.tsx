// The list of sites, loaded once by the shell and shared by the header's site
// picker and the pages; reload it after anything that changes sites.
import { createContext, useContext } from 'react';
import type { SiteListItem } from '../../../app/contract/schedule';

export interface SitesState {
  sites: SiteListItem[] | undefined;
  error: unknown;
  reloadSites: () => void;
}

export const SitesContext = createContext<SitesState>({ sites: undefined, error: undefined, reloadSites: () => {} });

export function useSites(): SitesState {
  return useContext(SitesContext);
}
