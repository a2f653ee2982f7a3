import { contextBridge, ipcRenderer } from 'electron';
import { buildApi } from '../shared/api.ts';

// Exposes exactly one object, window.keywarden, with one method per contract channel. No raw
// ipcRenderer and no channel name chosen by the page ever crosses the bridge.
contextBridge.exposeInMainWorld(
  'keywarden',
  buildApi((channel, request) => ipcRenderer.invoke(channel, request)),
);
