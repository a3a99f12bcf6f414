// drive_page.mjs: drives the cutover web page in headless Chromium for web_page_test.cc, as a
// user would (open it, give the token, click), and prints what the page showed as one JSON
// object on stdout; the C++ test asserts on it. Talks to Chromium over the DevTools protocol on
// a pipe (--remote-debugging-pipe), so it needs nothing but Node and Chromium.
//   node drive_page.mjs --url http://127.0.0.1:PORT/ --token TOKEN --out DIR [--chromium BIN]
import {spawn} from 'node:child_process';
import {mkdirSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';

function parseArgs(argv) {
  const args = {chromium: 'chromium'};
  for (let index = 2; index < argv.length; index += 2) {
    args[argv[index].replace(/^--/, '')] = argv[index + 1];
  }
  for (const name of ['url', 'token', 'out']) {
    if (!args[name]) throw new Error('missing --' + name);
  }
  return args;
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// Chromium with the DevTools protocol on fds 3 (commands in) and 4 (answers and events out),
// each message a JSON text ended by a NUL byte.
class Browser {
  constructor(binary, profile) {
    this.process = spawn(binary,
                         [
                           '--headless=new', '--no-sandbox', '--disable-gpu',
                           '--remote-debugging-pipe', '--user-data-dir=' + profile,
                           '--window-size=1300,1500', '--no-first-run', 'about:blank'
                         ],
                         {stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe']});
    this.stderr = '';
    this.process.stderr.on('data', data => this.stderr += data);
    this.next = 1;
    this.waiting = new Map();
    this.buffer = Buffer.alloc(0);
    this.process.stdio[4].on('data', data => this.receive(data));
    this.process.on('exit', code => {
      for (const {reject} of this.waiting.values()) {
        reject(new Error('chromium exited (' + code + '): ' + this.stderr.slice(-2000)));
      }
    });
  }

  receive(data) {
    this.buffer = Buffer.concat([this.buffer, data]);
    let end;
    while ((end = this.buffer.indexOf(0)) >= 0) {
      const message = JSON.parse(this.buffer.subarray(0, end).toString('utf8'));
      this.buffer = this.buffer.subarray(end + 1);
      const pending = message.id !== undefined ? this.waiting.get(message.id) : undefined;
      if (!pending) continue;
      this.waiting.delete(message.id);
      if (message.error) {
        pending.reject(new Error(pending.method + ': ' + JSON.stringify(message.error)));
      } else {
        pending.resolve(message.result);
      }
    }
  }

  send(method, params, sessionId) {
    const id = this.next++;
    const message = {id, method, params: params || {}};
    if (sessionId) message.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, {resolve, reject, method});
      this.process.stdio[3].write(JSON.stringify(message) + '\0');
    });
  }

  close() {
    this.process.kill('SIGKILL');
  }
}

// One tab of the browser.
class Page {
  constructor(browser, sessionId) {
    this.browser = browser;
    this.sessionId = sessionId;
  }

  static async open(browser) {
    const {targetId} = await browser.send('Target.createTarget', {url: 'about:blank'});
    const {sessionId} = await browser.send('Target.attachToTarget', {targetId, flatten: true});
    const page = new Page(browser, sessionId);
    await page.send('Page.enable');
    await page.send('Runtime.enable');
    return page;
  }

  send(method, params) {
    return this.browser.send(method, params, this.sessionId);
  }

  async evaluate(expression) {
    const answer = await this.send(
        'Runtime.evaluate', {expression, returnByValue: true, awaitPromise: true});
    if (answer.exceptionDetails) {
      throw new Error(expression + ': ' + JSON.stringify(answer.exceptionDetails));
    }
    return answer.result.value;
  }

  // Evaluates `expression` every 200 ms until it is truthy; its value, or an error naming
  // `what` after `timeout_ms`.
  async waitFor(what, expression, timeout_ms) {
    const deadline = Date.now() + (timeout_ms || 20000);
    let value;
    while (Date.now() < deadline) {
      value = await this.evaluate(expression);
      if (value) return value;
      await sleep(200);
    }
    const message = await this.evaluate('document.querySelector("#message").textContent');
    throw new Error('timed out waiting for ' + what + ' (page message: ' + message + ')');
  }

  // A new document each time (a change of the fragment alone would keep the page as it is).
  async navigate(url) {
    await this.send('Page.navigate', {url: 'about:blank'});
    await this.waitFor('about:blank', 'location.href === "about:blank"');
    await this.send('Page.navigate', {url});
    await this.waitFor('the page to load',
                       'document.readyState === "complete" && !!document.querySelector("#main")');
  }

  async click(selector) {
    const found = await this.evaluate(
        '(() => { const element = document.querySelector(' + JSON.stringify(selector) + ');' +
        ' if (!element || element.disabled) return false; element.click(); return true; })()');
    if (!found) throw new Error('no enabled element ' + selector + ' to click');
  }

  async screenshot(path) {
    const {data} = await this.send('Page.captureScreenshot', {format: 'png'});
    writeFileSync(path, Buffer.from(data, 'base64'));
    return path;
  }
}

// What the page shows of copy progress: table -> rows copied.
const kTableRows =
    'Object.fromEntries([...document.querySelectorAll("#tables tbody tr")]' +
    '.map(row => [row.dataset.key, Number(row.dataset.rows)]))';
const kPlotPoints =
    'document.querySelector("#lag-seconds-line").getAttribute("points").trim()' +
    '.split(/\\s+/).filter(Boolean).length';
const kStage = group => 'document.querySelector(\'.group[data-group="' + group +
    '"]\')?.dataset.stage';
const kText = selector => '(document.querySelector(' + JSON.stringify(selector) +
    ')?.textContent ?? "")';
const sum = rows => Object.values(rows).reduce((total, each) => total + each, 0);

async function scenario(page, args, report) {
  const base = args.url;
  // 1. No token: the page says it needs one, and shows no data.
  await page.navigate(base);
  await page.waitFor('the token request', 'document.body.dataset.state === "need-token"');
  report.no_token = {
    heading: await page.evaluate(kText('#need-token h2')),
    main_hidden: await page.evaluate('document.querySelector("#main").hidden'),
  };
  // A wrong token: refused by the API, and the page says so.
  await page.navigate(base + '#token=wrong-' + args.token);
  await page.waitFor('the wrong token to be refused',
                     'document.querySelector("#token-error").textContent !== ""');
  report.wrong_token = {error: await page.evaluate(kText('#token-error'))};

  // 2. The token from the fragment: progress, the lag plot, and the fragment cleared.
  await page.navigate(base + '#token=' + encodeURIComponent(args.token));
  await page.waitFor(
      'every table copying and the lag plot',
      'document.body.dataset.state === "ready" && ' + kPlotPoints + ' >= 3 && ' +
          'document.querySelectorAll("#tables tbody tr").length >= 2 && ' +
          'Object.values(' + kTableRows + ').some(rows => rows > 0) && ' +
          '[...document.querySelectorAll("#tables .rate")].some(cell => cell.textContent !== "—")',
      30000);
  report.progress = {
    tables: await page.evaluate(kTableRows),
    eta: await page.evaluate('[...document.querySelectorAll("#tables .eta")].map(c => c.textContent)'),
    rates: await page.evaluate('[...document.querySelectorAll("#tables .rate")].map(c => c.textContent)'),
    plot_points: await page.evaluate(kPlotPoints),
    hash: await page.evaluate('location.hash'),
  };
  report.screenshot = await page.screenshot(join(args.out, 'page.png'));

  // 3. Pause copy from the page: progress stops; resume: it goes on.
  await page.click('[data-action="pause-copy"]');
  await page.waitFor('copy to show paused', 'document.body.dataset.copy === "paused"');
  report.pause = {state_text: await page.evaluate(kText('#copy-state'))};
  // The chunks read before the pause are still written (copy is held between chunks): wait
  // until the figures stop moving, at most 10 s, then watch them for 3 s more.
  const settle_by = Date.now() + 10000;
  let paused_at = sum(await page.evaluate(kTableRows));
  for (;;) {
    await sleep(1500);
    const now = sum(await page.evaluate(kTableRows));
    if (now === paused_at || Date.now() > settle_by) break;
    paused_at = now;
  }
  report.pause.settled_in_ms = Date.now() - (settle_by - 10000);
  await sleep(3000);
  const paused_after = sum(await page.evaluate(kTableRows));
  await page.click('[data-action="resume-copy"]');
  await page.waitFor('copy to show running', 'document.body.dataset.copy === "running"');
  await sleep(3000);
  const resumed = sum(await page.evaluate(kTableRows));
  Object.assign(report.pause, {paused_at, paused_after, resumed});

  // Throttle by hand from the page: the run holds the copy and the page says why.
  await page.click('[data-action="throttle-on"]');
  await page.waitFor('the copy held by hand', kText('#copy-state') + '.startsWith("held back: ")');
  report.throttle = {
    copy_state: await page.evaluate(kText('#copy-state')),
    why: await page.evaluate(kText('#throttle-why')),
  };
  await page.click('[data-action="throttle-off"]');
  await page.waitFor('the copy running again', kText('#copy-state') + ' === "running"');

  // 4. A reload keeps the lag plot's past (it comes from the server).
  const points_before = await page.evaluate(kPlotPoints);
  await page.navigate(base);
  await page.waitFor('the first poll after the reload', 'document.body.dataset.polls === "1"');
  report.reload = {points_before, points_after: await page.evaluate(kPlotPoints)};

  // 5. Stages: forward twice, then refused into target_reads (no verify in this stage).
  await page.waitFor('the default group', kStage('default'));
  for (const stage of ['dual_write', 'shadow']) {
    await page.click('.group[data-group="default"] .forward');
    await page.waitFor('the stage ' + stage, kStage('default') + ' === "' + stage + '"');
  }
  await page.click('.group[data-group="default"] .forward');
  await page.waitFor('the refusal', kText('.group[data-group="default"] .refusal') + ' !== ""');
  report.refusal = {
    text: await page.evaluate(kText('.group[data-group="default"] .refusal')),
    checks: await page.evaluate(
        '[...document.querySelectorAll(\'.group[data-group="default"] .checks li\')]' +
        '.map(item => ({name: item.dataset.check, met: item.className === "met"}))'),
  };

  // 6. Once the copy is done and CDC runs: a verify from the page, then the move passes.
  await page.waitFor('CDC', kText('#phase') + ' === "cdc"', 90000);
  await page.click('[data-action="verify"]');
  await page.waitFor('the verify to finish',
                     'document.body.dataset.verify === "complete" && ' +
                         kText('#verify-summary') + '.startsWith("last verify")',
                     60000);
  report.verify = {
    summary: await page.evaluate(kText('#verify-summary')),
    tables: await page.evaluate(
        '[...document.querySelectorAll("#verify tbody tr")].map(row => ' +
        '[...row.cells].map(cell => cell.textContent))'),
  };
  await page.waitFor('the verify guard rail met',
                     'document.querySelector(\'.group[data-group="default"] ' +
                         'li[data-check="verify"]\')?.className === "met"');
  await page.click('.group[data-group="default"] .forward');
  await page.waitFor('the stage target_reads', kStage('default') + ' === "target_reads"');

  // 7. A fence from the page: it shows in the fence history and meets the next guard rail.
  await page.click('[data-action="fence"]');
  await page.waitFor('the fence in the history', 'document.querySelectorAll("#fences tbody tr").length >= 1', 60000);
  await page.waitFor('the fence guard rail met',
                     'document.querySelector(\'.group[data-group="default"] ' +
                         'li[data-check="fence"]\')?.className === "met"');
  await page.waitFor('applied changes per table',
                     'document.querySelectorAll("#applied tbody tr").length >= 2');
  await page.click('.group[data-group="default"] details summary');
  const kAudit = '.group[data-group="default"] .audit li';
  await page.waitFor('the audit', 'document.querySelectorAll(\'' + kAudit + '\').length >= 3');
  report.end = {
    stage: await page.evaluate(kStage('default')),
    fences: await page.evaluate('document.querySelectorAll("#fences tbody tr").length'),
    applied: await page.evaluate(
        'Object.fromEntries([...document.querySelectorAll("#applied tbody tr")].map(row => ' +
        '[row.dataset.key, [...row.cells].slice(1).map(cell => Number(cell.textContent.replace(/,/g, "")))]))'),
    audit: await page.evaluate('[...document.querySelectorAll(\'' + kAudit + '\')].map(item => item.textContent)'),
    controls: await page.evaluate('[...document.querySelectorAll("#ctl-history li")].map(item => item.textContent)'),
  };
  report.screenshot_end = await page.screenshot(join(args.out, 'page-end.png'));
}

async function main() {
  const args = parseArgs(process.argv);
  mkdirSync(args.out, {recursive: true});
  const browser = new Browser(args.chromium, join(args.out, 'profile'));
  const report = {};
  let failure = null;
  try {
    const page = await Page.open(browser);
    await scenario(page, args, report);
    report.ok = true;
  } catch (error) {
    failure = error;
    report.ok = false;
    report.error = error.message;
  } finally {
    const running = browser.process.exitCode === null && browser.process.signalCode === null;
    const exited = running ? new Promise(resolve => browser.process.once('exit', resolve)) : null;
    browser.close();
    await exited;
    try {  // its helper processes may still be writing to it for a moment
      rmSync(join(args.out, 'profile'), {recursive: true, force: true, maxRetries: 10, retryDelay: 200});
    } catch (error) {
      process.stderr.write('the browser profile was not removed: ' + error.message + '\n');
    }
  }
  process.stdout.write(JSON.stringify(report) + '\n');
  process.exit(failure ? 1 : 0);
}

main();
