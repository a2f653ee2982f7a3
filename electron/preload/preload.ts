import { contextBridge, ipcRenderer } from 'electron';
import { buildApi } from '../shared/api.ts';

// Exposes exactly one object, window.keywarden, with one method per contract channel and
// `on` for the contract's events. No raw ipcRenderer, no IPC event object and no channel
// name chosen by the page ever crosses the bridge: `on` accepts only declared event names.
contextBridge.exposeInMainWorld(
  'keywarden',
  buildApi(
    (channel, request) => ipcRenderer.invoke(channel, request),
    (name, listener) => {
      const forward = (_event: unknown, payload: unknown) => listener(payload);
      ipcRenderer.on(name, forward);
      return () => void ipcRenderer.removeListener(name, forward);
    },
  ),
);
