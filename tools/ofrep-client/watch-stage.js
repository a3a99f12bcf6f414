#!/usr/bin/env node
// watch-stage: an application's view of its cutover stage, read through OpenFeature's standard
// SDK and OFREP provider from the control API (docs/control-api.md, "Flags through OpenFeature
// (OFREP)"). Polls the flag and prints one line each time the stage it reads changes:
//   stage=dual_write reason=TARGETING_MATCH variant=dual_write index=1 group=orders
// An evaluation that fails keeps the last stage known (before the first: source_only, the safe
// default) and prints `error=<OpenFeature error code> ...` once per distinct error.
//
//   node watch-stage.js --url http://127.0.0.1:7878 [--group orders] [--interval-ms 500]
//                       [--seconds 0 (forever)]
// The token is read from $CUTOVER_CONTROL_TOKEN, never from the command line.
'use strict';

const { OpenFeature } = require('@openfeature/server-sdk');
const { OFREPProvider } = require('@openfeature/ofrep-provider');

function parseArgs(argv) {
  const options = { url: '', group: '', intervalMs: 500, seconds: 0 };
  for (let index = 0; index < argv.length; index += 2) {
    const [name, value] = [argv[index], argv[index + 1]];
    if (value === undefined) usage(`${name}: missing its value`);
    if (name === '--url') options.url = value;
    else if (name === '--group') options.group = value;
    else if (name === '--interval-ms') options.intervalMs = Number(value);
    else if (name === '--seconds') options.seconds = Number(value);
    else usage(`unknown option '${name}'`);
  }
  if (!options.url) usage('--url: missing; give the control API, e.g. http://127.0.0.1:7878');
  if (!(options.intervalMs > 0)) usage('--interval-ms: expected a number of milliseconds > 0');
  if (!(options.seconds >= 0)) usage('--seconds: expected a number of seconds >= 0');
  return options;
}

function usage(message) {
  process.stderr.write(
    `watch-stage: ${message}\n` +
      'usage: node watch-stage.js --url URL [--group GROUP] [--interval-ms MS] [--seconds S]\n');
  process.exit(2);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const token = process.env.CUTOVER_CONTROL_TOKEN;
  if (!token) usage('CUTOVER_CONTROL_TOKEN: not set; export the control API token');

  // The control API's bearer token, sent with every evaluation.
  await OpenFeature.setProviderAndWait(
    new OFREPProvider({ baseUrl: options.url, headers: [['Authorization', `Bearer ${token}`]] }));
  const client = OpenFeature.getClient('watch-stage');
  // `group` selects the flag group; without it the flag is the default group's stage.
  const context = { targetingKey: `watch-stage-${process.pid}` };
  if (options.group) context.group = options.group;

  let stage = null;
  let lastError = null;
  const deadline = options.seconds > 0 ? Date.now() + options.seconds * 1000 : Infinity;
  while (Date.now() < deadline) {
    const details = await client.getStringDetails('cutover.stage', 'source_only', context);
    if (details.errorCode) {
      const error = `error=${details.errorCode} message=${JSON.stringify(details.errorMessage)}`;
      if (error !== lastError) console.log(error);
      lastError = error;
    } else if (details.value !== stage) {
      stage = details.value;
      lastError = null;
      const metadata = details.flagMetadata || {};
      console.log(`stage=${stage} reason=${details.reason} variant=${details.variant} ` +
                  `index=${metadata.stage_index} group=${metadata.group}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
  await OpenFeature.close();
}

process.on('SIGTERM', () => process.exit(0));
main().catch((error) => {
  process.stderr.write(`watch-stage: ${error.stack || error}\n`);
  process.exit(1);
});
