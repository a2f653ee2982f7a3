#!/usr/bin/env node
// Entry point of the `keywarden` command. The CLI is TypeScript run by Node's built-in type
// stripping (Node >= 22.18, the Node the project pins in devDependencies).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `error [USAGE]: keywarden needs Node.js 22.18 or newer (this is ${process.version}). ` +
      'Run it from the project with "npx keywarden", which uses the Node 22 the project installs.\n',
  );
  process.exit(2);
}
const { runCli } = await import('../electron/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
