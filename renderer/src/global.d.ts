import type { KeywardenApi } from '../../electron/shared/api.ts';

declare global {
  interface Window {
    /** The only bridge to the main process (built by the preload from the IPC contract). */
    keywarden: KeywardenApi;
  }
}
