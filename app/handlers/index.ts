// The implementation of the contract: one handler per method, grouped by feature.
import type { Method, Outputs, ParsedInput } from '../contract';

export type Handler<M extends Method> = (input: ParsedInput<M>) => Promise<Outputs[M]> | Outputs[M];
export type Handlers = { [M in Method]: Handler<M> };
/** A feature's handlers: exactly the methods its contract file declares. */
export type FeatureHandlers<K extends Method> = { [M in K]: Handler<M> };
