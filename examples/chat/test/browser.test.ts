import { strict as assert } from 'node:assert';
import { after, before, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { startChat, type ChatFixture } from './fixture.js';

/** The browser `npm test` found (scripts/prerequisites.mjs installs it when missing); Debian's by default. */
const CHROMIUM = process.env['STREAMERSON_CHROMIUM'] ?? '/usr/bin/chromium';

let chat: ChatFixture;
let browser: Browser;

before(async () => {
  chat = await startChat();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await browser?.close();
  await chat?.close();
});

it('two pages of the chat: a message sent in one appears in the other (WebSocket and SSE readers)', async () => {
  const alice = await browser.newPage();
  const bob = await browser.newPage();
  await alice.goto(`${chat.url}/?room=browser&name=alice`);
  await bob.goto(`${chat.url}/?room=browser&name=bob&via=sse`);
  await alice.waitForSelector('#status:has-text("connected")');
  await bob.waitForSelector('#status:has-text("connected")');

  await alice.fill('#text', 'hello from alice');
  await alice.click('button');
  await bob.waitForSelector('#log li:has-text("hello from alice")', { timeout: 10_000 });
  await alice.waitForSelector('#log li:has-text("hello from alice")', { timeout: 10_000 });

  await bob.fill('#text', 'hi alice, bob here');
  await bob.press('#text', 'Enter');
  await alice.waitForSelector('#log li:has-text("hi alice, bob here")', { timeout: 10_000 });

  const bobLog = await bob.$$eval('#log li', (items) => items.map((li) => li.textContent));
  assert.deepEqual(bobLog, ['alicehello from alice', 'bobhi alice, bob here']);
  const aliceLog = await alice.$$eval('#log li', (items) => items.map((li) => li.textContent));
  assert.deepEqual(aliceLog, bobLog);
});
