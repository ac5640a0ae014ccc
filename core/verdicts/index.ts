export * from './types';
export * from './readings';
export * from './judge';
