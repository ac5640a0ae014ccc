// A report that was built: its file, its hashes and what it covered. Stored by db/reports and
// listed through the API, one type for both.
export interface BuiltReport {
  id: number;
  siteId: number;
  filePath: string;
  fileSha256: string;
  modelSha256: string;
  scope: string;
  overall: string;
  draft: boolean;
  signer: string;
  eventLogHead: string | null;
  eventLogLength: number;
  builtAt: string;
}
