export * from './repository';
export * from './event-log';
export * from './photos';
