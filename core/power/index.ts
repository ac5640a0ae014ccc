// Power and battery sizing per supply (docs/power.md).
export * from './types';
export * from './supplies';
export * from './analyze';
export * from './measure';
