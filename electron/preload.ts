// Exposes named API functions to the renderer, never ipcRenderer itself.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  apiInputs,
  TRANSPORT,
  type ApiEvents,
  type DoorCxApi,
  type EventTopic,
  type Input,
  type Method,
  type Outputs,
} from '../app/contract';

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; details?: unknown } };

function method<M extends Method>(name: M): (input: Input<M>) => Promise<Outputs[M]> {
  return async (input) => {
    const reply = (await ipcRenderer.invoke(TRANSPORT.ipcCall, name, input)) as Reply;
    if (reply.ok) return reply.result as Outputs[M];
    // Errors cross the bridge as plain data; the renderer rebuilds ApiError.
    throw Object.assign(new Error(reply.error.message), { apiError: reply.error });
  };
}

// One function per contract method, by name (the contract's method list is the only source).
const methods = Object.fromEntries(Object.keys(apiInputs).map((name) => [name, method(name as Method)])) as {
  [M in Method]: (input: Input<M>) => Promise<Outputs[M]>;
};

const api = {
  ...methods,
  subscribe<T extends EventTopic>(topic: T, listener: (event: ApiEvents[T]) => void): () => void {
    const handler = (_e: IpcRendererEvent, t: string, payload: unknown) => {
      if (t === topic) listener(payload as ApiEvents[T]);
    };
    ipcRenderer.on(TRANSPORT.ipcEvent, handler);
    return () => ipcRenderer.removeListener(TRANSPORT.ipcEvent, handler);
  },
} satisfies DoorCxApi;

contextBridge.exposeInMainWorld('doorcx', api);
