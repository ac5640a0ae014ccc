// Reads through the cache: useApi('getRun', { runId }) calls api.getRun once per key,
// shares the answer with every component asking the same, and refetches on invalidation.
import { useQuery, type UseQueryOptions, type UseQueryResult } from '@tanstack/react-query';
import type { Input, Method, Outputs } from '../../../app/contract';
import { api } from '../api';
import { apiKey, type ApiKey } from './keys';

export type ApiQueryOptions<M extends Method, T> = Omit<UseQueryOptions<Outputs[M], Error, T, ApiKey<M>>, 'queryKey' | 'queryFn'>;

export function callApi<M extends Method>(method: M, input: Input<M>): Promise<Outputs[M]> {
  return (api[method] as unknown as (i: Input<M>) => Promise<Outputs[M]>)(input);
}

export function useApi<M extends Method, T = Outputs[M]>(
  method: M,
  input: Input<M>,
  options?: ApiQueryOptions<M, T>,
): UseQueryResult<T, Error> {
  return useQuery({ queryKey: apiKey(method, input), queryFn: () => callApi(method, input), ...options });
}
