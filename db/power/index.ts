// Power sizing's database layer: supplies, settings, meter readings, import/export, analysis.
export * from './repository';
export { previewSupplies, importSupplies, exportSupplies, SupplyImportRejected, type SupplyPreview } from './import';
export { sitePower } from './analysis';
