// The example chat app and the dashboard over https:// in headless Chromium, with edgewatch
// terminating TLS itself and the example orchestrator behind /api/. The certificates are made at
// test time (tests/e2e/pki.js). Chromium trusts exactly the test leaf's key through
// --ignore-certificate-errors-spki-list (a pin of its SubjectPublicKeyInfo), not every
// certificate: the first test shows a certificate with another key is still refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { issueLeaf, makeCa } from './pki.js';
import {
  launchBrowser,
  poll,
  queryApi,
  screenshotPath,
  sleep,
  startStack,
  stopStack,
  watchPage,
} from './harness.js';
import { expectedReply, recordStream, streamNow, streamSamples } from './chat_stream.js';

const TOKEN_DELAY_MS = 80;
const HSTS = 'max-age=63072000; includeSubDomains'; // docs/tls.md: the default [tls] hsts

function lastReplyDone(page) {
  return page.locator('[data-testid="assistant-message"]').last().locator('.meta');
}

// Sends a message and waits for the whole reply; checks it grew token by token.
async function chat(page, message) {
  const before = await page.locator('[data-testid="assistant-message"]').count();
  await page.fill('[data-testid="message-input"]', message);
  await recordStream(page);
  await page.click('[data-testid="send"]');
  await page.locator('[data-testid="assistant-message"]').nth(before).locator('.meta').waitFor({ timeout: 20000 });
  const samples = await streamSamples(page);
  assert.equal(samples[samples.length - 1].text, expectedReply(message));
  const tokens = expectedReply(message).split(' ').length;
  assert.ok(samples.length >= tokens / 2, `${samples.length} renders for ${tokens} tokens`);
  return { renders: samples.length, tokens };
}

// A new TLS connection to edgewatch, verified against the test CA; the peer's serial.
function peerSerial(httpsUrl, ca) {
  const { hostname, port } = new URL(httpsUrl);
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: hostname, port: Number(port), servername: 'localhost', ca, ALPNProtocols: ['http/1.1'] },
      () => {
        const serial = socket.getPeerCertificate().serialNumber;
        socket.end();
        resolve(serial.toUpperCase());
      },
    );
    socket.once('error', reject);
  });
}

// Every answer the page saw came over https with HSTS. The browser's own favicon fetch (resource
// type "other") is left out: Chromium answers it from its disk cache, whose stored headers have
// no Strict-Transport-Security (the page's own load of the icon, from the network, is checked).
async function assertHsts(responses) {
  const checked = responses.filter((r) => r.request().resourceType() !== 'other');
  assert.ok(checked.length > 0);
  for (const r of checked) {
    assert.ok(r.url().startsWith('https://'), r.url());
    assert.equal((await r.allHeaders())['strict-transport-security'], HSTS, r.url());
  }
}

async function metrics(stack) {
  const response = await fetch(`${stack.url}/metrics`);
  assert.equal(response.status, 200);
  return response.text();
}

describe('the chat app and the dashboard over https in Chromium', { timeout: 240_000 }, () => {
  let pkiDir;
  let ca;
  let leaf;
  let stack;
  let browser;
  let page;
  let problems;
  const responses = [];
  const sockets = [];

  before(async () => {
    pkiDir = mkdtempSync(path.join(tmpdir(), 'edgewatch-e2e-pki-'));
    ca = makeCa(pkiDir);
    leaf = issueLeaf(ca);
    stack = await startStack({
      tokenDelay: `${TOKEN_DELAY_MS}ms`,
      tls: { certificate: leaf.certificate, key: leaf.key },
    });
    browser = await launchBrowser({ args: [`--ignore-certificate-errors-spki-list=${leaf.spki}`] });
    page = await browser.context.newPage();
    problems = watchPage(page);
    page.on('response', (r) => responses.push(r));
    page.on('websocket', (ws) => sockets.push(ws.url()));
  });

  after(async () => {
    await browser?.close();
    await stopStack(stack);
    if (pkiDir) rmSync(pkiDir, { recursive: true, force: true });
  });

  test('Chromium trusts only the pinned key: a certificate with another key is refused', async () => {
    const otherDir = mkdtempSync(path.join(tmpdir(), 'edgewatch-e2e-pki-other-'));
    const other = issueLeaf(makeCa(otherDir));
    assert.notEqual(other.spki, leaf.spki);
    const server = createServer(
      { cert: readFileSync(other.certificate), key: readFileSync(other.key) },
      (req, res) => res.end('not trusted'),
    );
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const probe = await browser.context.newPage();
      const error = await probe
        .goto(`https://127.0.0.1:${server.address().port}/`)
        .then(() => null, (e) => e);
      await probe.close();
      assert.ok(error, 'the page with an unpinned certificate did not load');
      assert.match(error.message, /ERR_CERT_AUTHORITY_INVALID/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  test('the app loads over https:// with HSTS, the test certificate and no console error', async (t) => {
    const response = await page.goto(`${stack.httpsUrl}/`);
    assert.equal(response.status(), 200);
    assert.equal(await page.evaluate(() => location.protocol), 'https:');
    assert.equal(await page.evaluate(() => window.isSecureContext), true);
    assert.equal(response.headers()['strict-transport-security'], HSTS);
    const details = await response.securityDetails();
    t.diagnostic(`TLS: ${JSON.stringify(details)}`);
    assert.equal(details.issuer, 'edgewatch e2e CA');
    assert.equal(details.subjectName, 'localhost');
    assert.match(details.protocol, /^TLS 1\.[23]$/);
    await page.locator('.empty h1').waitFor();
    await page.waitForLoadState('networkidle');
    await assertHsts(responses);
    await page.screenshot({ path: screenshotPath('tls-chat-empty.png') });
    assert.deepEqual(problems, []);
  });

  test('a reply over Server-Sent Events streams through the gateway over https', async (t) => {
    responses.length = 0;
    const result = await chat(page, 'hello over https');
    t.diagnostic(`SSE over https: ${JSON.stringify(result)}`);
    const chatResponse = responses.find((r) => new URL(r.url()).pathname === '/api/chat');
    assert.ok(chatResponse, 'the page posted /api/chat');
    assert.ok(chatResponse.url().startsWith(`${stack.httpsUrl}/`));
    assert.match(chatResponse.headers()['content-type'], /^text\/event-stream/);
    assert.equal(chatResponse.headers()['strict-transport-security'], HSTS, 'HSTS on a proxied answer');
    assert.deepEqual(problems, []);
  });

  test('a reply over a WebSocket streams through the tunnel over wss://', async (t) => {
    await page.click('[data-testid="transport-ws"]');
    const result = await chat(page, 'hello over wss');
    t.diagnostic(`WebSocket over wss: ${JSON.stringify(result)}`);
    assert.deepEqual(sockets, [`wss://${new URL(stack.httpsUrl).host}/api/ws`]);
    assert.match(await page.locator('[data-testid="assistant-message"]').last().textContent(), /WebSocket · first token \d+ ms/);
    await page.click('[data-testid="transport-sse"]');
    assert.deepEqual(problems, []);
  });

  test("the SDK's error report reaches edgewatch over https and becomes an issue", async (t) => {
    const probe = await queryApi(stack, 'issues');
    if (probe.status === 404) {
      t.skip('GET /_edgewatch/api/issues answers 404: the monitoring backend is not in this build');
      return;
    }
    const posted = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/monitoring/errors', { timeout: 15000 });
    await page.click('[data-testid="throw-error"]');
    await page.locator('[data-testid="notice"]').waitFor();
    const response = await posted;
    assert.ok(response.url().startsWith(`${stack.httpsUrl}/`), response.url());
    assert.ok(response.ok(), `POST /api/monitoring/errors: ${response.status()}`);
    assert.equal(response.headers()['strict-transport-security'], HSTS);
    const message = "Cannot read properties of undefined (reading 'text')";
    await poll(() => problems.length > 0, { timeout: 5000 });
    assert.deepEqual(problems.splice(0), [`uncaught: ${message}`]);
    const issue = await poll(async () => {
      const { body } = await queryApi(stack, 'issues');
      return body.items?.find((i) => i.title.includes(message));
    });
    assert.ok(issue, 'the error is listed as an issue');
    assert.equal(issue.count, 1);
    // The stack's frames name the page's https origin.
    const detail = await queryApi(stack, `issues/${issue.id}`);
    assert.match(JSON.stringify(detail.body), /https:\/\/127\.0\.0\.1:\d+\/assets\/index-[\w-]+\.js/);
  });

  test('a certificate reload under a live SSE stream: the stream goes on, new connections get the new leaf', async (t) => {
    const oldSerial = await peerSerial(stack.httpsUrl, ca.pem);
    assert.equal(oldSerial, leaf.serial);
    assert.match(await metrics(stack), /edgewatch_tls_reloads_total\{result="ok"\} 0\b/);

    // A long message: about 80 tokens, several seconds of stream at TOKEN_DELAY_MS each.
    const message = Array.from({ length: 55 }, (_, i) => `word${i}`).join(' ');
    const tokens = expectedReply(message).split(' ').length;
    await page.fill('[data-testid="message-input"]', message);
    await recordStream(page);
    await page.click('[data-testid="send"]');
    await page.waitForFunction(() => window.__stream.samples.length >= 5, null, { timeout: 15000 });

    // Renewal with the same key: a new leaf with a new serial, renamed over the served file.
    const renewed = issueLeaf(ca);
    assert.notEqual(renewed.serial, leaf.serial);
    const reloaded = await poll(
      async () =>
        stack.edgewatch.log.some((l) => l.includes('tls: certificates reloaded')) &&
        /edgewatch_tls_reloads_total\{result="ok"\} 1\b/.test(await metrics(stack)),
      { timeout: 10000, interval: 100 },
    );
    assert.ok(reloaded, `no reload seen:\n${stack.edgewatch.log.slice(-20).join('\n')}`);
    const reloadedAt = await streamNow(page);
    const doneAtReload = (await lastReplyDone(page).count()) > 0;
    assert.equal(doneAtReload, false, 'the stream was still going when the reload happened (raise the token delay)');

    // A new connection gets the new certificate ...
    assert.equal(await peerSerial(stack.httpsUrl, ca.pem), renewed.serial);

    // ... while the stream that was open goes on to its end on its own connection.
    await lastReplyDone(page).waitFor({ timeout: 30000 });
    const samples = await streamSamples(page);
    assert.equal(samples[samples.length - 1].text, expectedReply(message));
    const after = samples.filter((s) => s.t > reloadedAt);
    const before = samples.length - after.length;
    t.diagnostic(`${tokens} tokens: ${before} renders before the reload was seen, ${after.length} after`);
    assert.ok(before >= 5 && after.length >= 5, `${before} renders before the reload, ${after.length} after`);
    assert.ok(!stack.edgewatch.log.some((l) => l.includes('tls: reload failed')));
    assert.deepEqual(problems, []);
  });

  test('the WebSocket opened before the reload still carries replies', async () => {
    await page.click('[data-testid="transport-ws"]');
    await chat(page, 'still here after the reload');
    assert.equal(sockets.length, 1, 'the same WebSocket, not a new one');
    await page.click('[data-testid="transport-sse"]');
    assert.deepEqual(problems, []);
  });

  test('the dashboard loads over https and signs in with a Secure session cookie', async () => {
    responses.length = 0;
    const response = await page.goto(`${stack.httpsUrl}/_edgewatch/`);
    assert.equal(response.status(), 200);
    assert.equal(response.headers()['strict-transport-security'], HSTS);
    assert.equal(await page.evaluate(() => location.protocol), 'https:');
    await page.locator('.login input[name="token"]').waitFor();
    await page.fill('.login input[name="token"]', stack.token);
    await page.click('.login button[type="submit"]');
    await page.locator('.sidebar').waitFor();
    await page.locator('.service').first().waitFor({ timeout: 15000 });
    const session = (await browser.context.cookies(`${stack.httpsUrl}/_edgewatch/`)).find(
      (c) => c.name === 'edgewatch_session',
    );
    assert.ok(session, 'the session cookie is set');
    assert.equal(session.secure, true, 'Secure on an https sign-in');
    assert.equal(session.httpOnly, true);
    await assertHsts(responses);
    await sleep(500);
    await page.screenshot({ path: screenshotPath('tls-dashboard.png') });
    assert.deepEqual(problems, []);
  });
});
