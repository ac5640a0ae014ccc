export * from './repository';
export * from './event-log';
export * from './photos';
export * from './verify';
