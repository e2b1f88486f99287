// Drives the playground in headless Chromium (Debian's /usr/bin/chromium) with playwright-core against a running
// server that needs an API key: load, key, generate, compare with a reward chart checked against the stream's events,
// a field error, the history's curl run by real curl, a PNG download, an adapter, a sampler, keyboard-only use, and a
// phone-width screen.
// Usage: node drive.js BASE_URL API_KEY ARTIFACTS_DIR ADAPTER (an adapter in the server's store).
// Prints one JSON line of what it saw; exits 1 on the first failure.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, apiKey, artifacts, adapter] = process.argv.slice(2);
if (!base || !apiKey || !artifacts || !adapter) throw new Error('usage: node drive.js BASE_URL API_KEY ARTIFACTS_DIR ADAPTER');
mkdirSync(artifacts, { recursive: true });
const seen = {};
const step = async (name, work) => {
  try {
    seen[name] = await work();
  } catch (error) {
    error.message = `${name}: ${error.message}`;
    throw error;
  }
};

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const pageErrors = [];
async function newPage(viewport) {
  const context = await browser.newContext({ viewport, acceptDownloads: true, baseURL: base });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // The browser logs each refused request (the 401 before the key, the 400 of the field error); those are expected.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 40[01]/.test(m.text())) pageErrors.push(m.text());
  });
  return page;
}
// The body of the next /generate/stream response, parsed into its events.
async function streamEvents(page, action) {
  const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/generate/stream')), action()]);
  const text = await response.text();
  return text.split('\n\n').filter(Boolean).map((block) => ({
    name: /^event: (.*)$/m.exec(block)[1],
    data: JSON.parse(/^data: (.*)$/m.exec(block)[1]),
  }));
}
const chartPoints = (page) => page.$$eval('#chart-plot circle.point', (dots) => dots.map((d) => d.querySelector('title').textContent));

try {
  const page = await newPage({ width: 1280, height: 900 });

  await step('load', async () => {
    const response = await page.goto('/');
    assert.equal(response.status(), 200, 'GET / without a key');
    assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    await page.locator('#error').waitFor();
    const error = await page.locator('#error').innerText();
    assert.match(error, /unauthenticated/, 'without the key, the model list is refused and the page says so');
    await page.getByLabel('API key').fill(apiKey);
    await page.getByLabel('API key').press('Tab');
    await page.locator('#model option[value=shapeworld]').waitFor({ state: 'attached' });
    await page.locator('#error').waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('align-playground-api-key')), apiKey);
    return { title: await page.title(), stepsPlaceholder: await page.getByLabel('Steps').getAttribute('placeholder') };
  });

  await step('generate', async () => {
    await page.getByLabel('Steps').fill('4');
    await page.getByLabel('Seed').fill('5');
    await page.getByLabel('Method').selectOption('none');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.locator('.result img').waitFor();
    const src = await page.locator('.result img').getAttribute('src');
    assert.ok(src.startsWith('data:image/png;base64,iVBORw0KGgo'), 'the result is a PNG');
    const score = await page.locator('.result dd[data-reward="shapeworld-clip"]').innerText();
    assert.ok(Number.isFinite(Number(score)), `reward score shown: ${score}`);
    return { score: Number(score) };
  });

  await step('compare', async () => {
    await page.getByLabel('Method').selectOption('reno');
    await page.getByLabel('Iterations').fill('3');
    const events = await streamEventsOfCompare(page);
    await page.locator('.result').nth(1).waitFor();
    assert.equal(await page.locator('.result img').count(), 2, 'two images side by side');
    const titles = await page.locator('.result strong').allInnerTexts();
    assert.deepEqual(titles, ['Without alignment', 'With reno']);
    const scores = (await page.locator('.result dd[data-reward="shapeworld-clip"]').allInnerTexts()).map(Number);
    assert.ok(scores.every(Number.isFinite), `both reward scores shown: ${scores}`);
    const iterations = events.filter((e) => e.name === 'progress' && e.data.phase === 'iteration');
    assert.equal(iterations.length, 3, 'ReNO streamed 3 iteration events');
    const points = await chartPoints(page);
    const judges = ['shapeworld-judge', 'shapeworld-judge-hindsight', 'shapeworld-counter']; // the default alignment rewards: one series each
    assert.deepEqual(Object.keys(iterations[0].data.rewards), judges);
    const expected = judges.flatMap((j) => iterations.map((e) => `${j}, iteration ${e.data.step}: ${e.data.rewards[j].toFixed(4)}`));
    assert.deepEqual(points, expected, 'the chart has one point per reward and iteration event, with its reward');
    const [a, b] = await page.locator('.result').evaluateAll((cards) => cards.map((c) => c.getBoundingClientRect().top));
    assert.ok(Math.abs(a - b) < 2, 'side by side');
    await page.screenshot({ path: join(artifacts, 'compare.png'), fullPage: true });
    return { scores, chart: points };
  });

  await step('fieldError', async () => {
    await page.getByLabel('Method').selectOption('none');
    await page.getByLabel('Width').fill('63');
    await page.getByRole('button', { name: 'Generate' }).click();
    const error = page.locator('#error');
    await error.waitFor();
    const text = await error.innerText();
    assert.match(text, /invalid_argument/);
    assert.match(text, /in width/);
    assert.match(text, /width must be a multiple of \d+ between \d+ and \d+, got 63/);
    assert.equal(await page.getByLabel('Width').getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#field-error').innerText(), /got 63/, 'the reason is under the field too');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'width', 'focus moves to the field at fault');
    await page.screenshot({ path: join(artifacts, 'field-error.png'), fullPage: true });
    await page.getByLabel('Width').fill('');
    return { text };
  });

  await step('history', async () => {
    const entries = page.locator('#history-list li');
    assert.equal(await entries.count(), 3, 'generate + compare (two) in the history; the refused request is not');
    const newest = entries.first();
    await newest.getByRole('button', { name: 'Copy curl' }).click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    await newest.locator('summary').click();
    assert.equal(copied, await newest.locator('pre.curl').innerText());
    const shown = JSON.parse(await newest.locator('pre.json').innerText());
    assert.equal(shown.alignment.method, 'reno');
    // The copied command, run by bash and real curl, is the same request.
    const out = execFileSync('bash', ['-c', copied], { env: { ...process.env, API_KEY: apiKey }, encoding: 'utf8', timeout: 60000 });
    const body = JSON.parse(out);
    assert.equal(body.images[0].seed, 5);
    assert.equal(body.alignment.method, 'reno');
    assert.equal(body.alignment.iterations_run, 3);
    const [download] = await Promise.all([page.waitForEvent('download'), newest.getByRole('link', { name: 'Download PNG' }).click()]);
    const file = join(artifacts, download.suggestedFilename());
    await download.saveAs(file);
    assert.deepEqual([...readFileSync(file).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'the download is a PNG');
    return { curl: copied, download: download.suggestedFilename() };
  });

  await step('adapters', async () => {
    // The generate step's request (seed 5, 4 steps, no alignment) with the store's adapter: first a weight the server
    // refuses, then 0.5.
    const plain = await page.locator('#history-list li', { hasText: '· generated ·' }).locator('img').getAttribute('src');
    await page.getByLabel(`${adapter} (v1)`).check();
    await page.getByLabel(`weight of ${adapter}`).fill('11');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.locator('#error').waitFor();
    assert.match(await page.locator('#error').innerText(), /in adapters\[0\]\.weight[\s\S]*adapter weight must be between -10 and 10, got 11/);
    assert.equal(await page.getByLabel(`weight of ${adapter}`).getAttribute('aria-invalid'), 'true');
    await page.getByLabel(`weight of ${adapter}`).fill('0.5');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.locator('.result img').waitFor();
    const meta = await page.locator('.result figcaption').innerText();
    assert.match(meta, new RegExp(`${adapter} v1 ×0\\.5`), `the card names the adapter the server applied: ${meta}`);
    const sent = JSON.parse(await page.locator('#history-list li pre.json').first().textContent());
    assert.deepEqual(sent.adapters, [{ name: adapter, weight: 0.5 }]);
    assert.equal(sent.seed, 5);
    assert.notEqual(await page.locator('.result img').getAttribute('src'), plain, 'the adapter changed the image of the same seed');
    await page.getByLabel(`${adapter} (v1)`).uncheck();
    return { meta };
  });

  await step('sampler', async () => {
    // The generate step's request again with DPM-Solver++ 2M picked from the model's samplers, then the model's own again.
    const plain = await page.locator('#history-list li', { hasText: '· generated ·' }).last().locator('img').getAttribute('src'); // the oldest
    const options = await page.locator('#scheduler option').evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(options, ['', 'euler', 'euler_karras', 'ddim', 'lcm', 'dpmpp_2m', 'dpmpp_2m_karras'], 'the model list\'s samplers, after its own');
    assert.match(await page.locator('#scheduler option').first().innerText(), /model's own \(euler\)/);
    await page.getByLabel('Sampler').selectOption('dpmpp_2m');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.locator('.result img').waitFor();
    const meta = await page.locator('.result figcaption').innerText();
    assert.match(meta, /· dpmpp_2m ·/, `the card names the sampler that ran: ${meta}`);
    const sent = JSON.parse(await page.locator('#history-list li pre.json').first().textContent());
    assert.equal(sent.scheduler, 'dpmpp_2m');
    assert.notEqual(await page.locator('.result img').getAttribute('src'), plain, 'another sampler, another image of the same seed');
    await page.getByLabel('Sampler').selectOption('');
    return { meta };
  });

  await step('keyboard', async () => {
    const kb = await newPage({ width: 1280, height: 900 });
    await kb.goto('/'); // the key is in this tab's sessionStorage only; a new tab types it again
    const tabTo = async (id) => {
      for (let i = 0; i < 40; i++) {
        await kb.keyboard.press('Tab');
        if (await kb.evaluate((want) => document.activeElement?.id === want, id)) return;
      }
      throw new Error(`Tab never reached #${id}`);
    };
    await tabTo('api-key');
    await kb.keyboard.type(apiKey);
    await tabTo('prompt');
    await kb.locator('#model option[value=shapeworld]').waitFor({ state: 'attached' });
    await kb.keyboard.press('Control+A');
    await kb.keyboard.type('two green triangles');
    await tabTo('steps');
    await kb.keyboard.type('4');
    await tabTo('alignment-n'); // method stays best_of_n, with n = 4
    await tabTo('generate');
    const events = await streamEvents(kb, () => kb.keyboard.press('Enter'));
    await kb.locator('.result img').waitFor();
    const candidates = events.filter((e) => e.name === 'progress' && e.data.phase === 'candidates').flatMap((e) => e.data.candidates);
    assert.equal(candidates.length, 4);
    const points = await chartPoints(kb);
    assert.deepEqual(points, candidates.map((c) => `weighted total, candidate ${c.index + 1}: ${c.total.toFixed(4)}`));
    await tabTo('compare');
    await kb.keyboard.press('Enter');
    await kb.locator('.result').nth(1).waitFor();
    assert.equal(await kb.locator('.result img').count(), 2);
    await kb.screenshot({ path: join(artifacts, 'keyboard-best-of-n.png'), fullPage: true });
    return { candidates: candidates.length, chart: points };
  });

  await step('phone', async () => {
    const phone = await newPage({ width: 390, height: 844 });
    await phone.goto('/');
    await phone.getByLabel('API key').fill(apiKey);
    await phone.getByLabel('API key').press('Tab');
    await phone.locator('#model option[value=shapeworld]').waitFor({ state: 'attached' });
    await phone.getByLabel('Steps').fill('4');
    await phone.getByLabel('Method').selectOption('best_of_n');
    await phone.getByRole('button', { name: 'Compare with and without alignment' }).click();
    await phone.locator('.result').nth(1).waitFor();
    await phone.locator('#chart-plot circle.point').first().waitFor();
    const widths = await phone.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(widths.scroll <= widths.client, `no horizontal scroll at 390 px: ${JSON.stringify(widths)}`);
    await phone.screenshot({ path: join(artifacts, 'phone.png'), fullPage: true });
    return widths;
  });

  assert.deepEqual(pageErrors, [], 'no script errors on the page');
  console.log(JSON.stringify({ ok: true, ...seen }));
} catch (error) {
  console.error(error.stack ?? String(error));
  console.log(JSON.stringify({ ok: false, error: String(error.message), ...seen }));
  process.exitCode = 1;
} finally {
  await browser.close();
}

async function streamEventsOfCompare(page) {
  // Compare sends two streams: without alignment, then with it; the second carries the iterations.
  const second = page.waitForResponse((r) => r.url().endsWith('/generate/stream') && r.request().postData().includes('"reno"'));
  await page.getByRole('button', { name: 'Compare with and without alignment' }).click();
  const text = await (await second).text();
  return text.split('\n\n').filter(Boolean).map((block) => ({ name: /^event: (.*)$/m.exec(block)[1], data: JSON.parse(/^data: (.*)$/m.exec(block)[1]) }));
}
