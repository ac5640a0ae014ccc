// Exposes named API functions to the renderer, never ipcRenderer itself.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { apiInputs, TRANSPORT, type EventTopic } from '../app/contract';

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; details?: unknown } };

const api: Record<string, unknown> = {};
for (const method of Object.keys(apiInputs)) {
  api[method] = async (input: unknown) => {
    const reply = (await ipcRenderer.invoke(TRANSPORT.ipcCall, method, input)) as Reply;
    if (reply.ok) return reply.result;
    // Errors cross the bridge as plain data; the renderer rebuilds ApiError.
    throw Object.assign(new Error(reply.error.message), { apiError: reply.error });
  };
}
api.subscribe = (topic: EventTopic, listener: (event: unknown) => void) => {
  const handler = (_e: IpcRendererEvent, t: string, payload: unknown) => {
    if (t === topic) listener(payload);
  };
  ipcRenderer.on(TRANSPORT.ipcEvent, handler);
  return () => ipcRenderer.removeListener(TRANSPORT.ipcEvent, handler);
};

// The object is built from the contract's method names; its shape is DoorCxApi.
contextBridge.exposeInMainWorld('doorcx', api);
