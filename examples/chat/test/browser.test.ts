import { strict as assert } from 'node:assert';
import { after, before, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startChat, type ChatFixture } from './fixture.js';

/** The browser `npm test` found (scripts/prerequisites.mjs installs it when missing); Debian's by default. */
const CHROMIUM = process.env['STREAMERSON_CHROMIUM'] ?? '/usr/bin/chromium';

let chat: ChatFixture;
let browser: Browser;

before(async () => {
  chat = await startChat();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
after(async () => {
  await browser?.close();
  await chat?.close();
});

/** The messages of a page: who, what, when (the time shown and its datetime), and whether they are the reader's own. */
function log(page: Page) {
  return page.$$eval('#log li', (items) =>
    items.map((li) => ({
      name: li.querySelector('b')!.textContent,
      text: li.querySelector('span')!.textContent,
      time: li.querySelector('time')!.textContent,
      datetime: li.querySelector('time')!.getAttribute('datetime')!,
      own: li.classList.contains('own'),
      background: li.ownerDocument.defaultView!.getComputedStyle(li).backgroundColor,
    })),
  );
}

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
  // Each page shows a message once it comes back from the room's stream, its sender's page too.
  await alice.waitForSelector('#log li:has-text("hi alice, bob here")', { timeout: 10_000 });
  await bob.waitForSelector('#log li:has-text("hi alice, bob here")', { timeout: 10_000 });

  const bobLog = (await log(bob)).map((m) => [m.name, m.text]);
  assert.deepEqual(bobLog, [
    ['alice', 'hello from alice'],
    ['bob', 'hi alice, bob here'],
  ]);
  assert.deepEqual(
    (await log(alice)).map((m) => [m.name, m.text]),
    bobLog,
  );
});

it("an empty room says so; messages show their time and one's own stand out; the icon is served; no request fails", async () => {
  // A fixed zone and locale, so that the time shown is the UTC time of the message.
  const context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-GB' });
  const failed: string[] = [];
  context.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  try {
    const carol = await context.newPage();
    const dave = await context.newPage();
    await carol.goto(`${chat.url}/?room=quiet&name=carol`);
    await dave.goto(`${chat.url}/?room=quiet&name=dave&via=sse`);
    await carol.waitForSelector('#status:has-text("connected")');
    await dave.waitForSelector('#status:has-text("connected")');
    for (const page of [carol, dave]) {
      assert.equal(await page.textContent('#empty'), 'No messages in #quiet yet. Say hello!');
      assert.ok(await page.isVisible('#empty'), 'the empty room says so');
    }

    const before = Date.now();
    await carol.fill('#text', 'anyone here?');
    await carol.press('#text', 'Enter');
    await dave.fill('#text', 'dave is');
    await dave.click('button');
    for (const page of [carol, dave]) await page.waitForSelector('#log li:nth-child(2)', { timeout: 10_000 });
    const after = Date.now();

    const seenByCarol = await log(carol);
    const seenByDave = await log(dave);
    assert.deepEqual(
      seenByCarol.map((m) => [m.name, m.text, m.own]),
      [
        ['carol', 'anyone here?', true],
        ['dave', 'dave is', false],
      ],
    );
    assert.deepEqual(
      seenByDave.map((m) => [m.name, m.text, m.own]),
      [
        ['carol', 'anyone here?', false],
        ['dave', 'dave is', true],
      ],
    );
    for (const m of [...seenByCarol, ...seenByDave]) {
      const at = Date.parse(m.datetime);
      assert.ok(at >= before - 1_000 && at <= after + 1_000, `${m.datetime} is the time the message was posted`);
      assert.equal(m.time, m.datetime.slice(11, 16), 'the time shown is HH:MM of the message');
    }
    assert.notEqual(seenByCarol[0]!.background, seenByCarol[1]!.background, "one's own messages look different");
    assert.equal(seenByCarol[0]!.background, seenByDave[1]!.background);
    for (const page of [carol, dave]) assert.equal(await page.isVisible('#empty'), false, 'the note goes with the first message');

    // The icon the page names is where browsers look by default, and a picture Chromium draws.
    const icon = await carol.$eval('link[rel=icon]', async (link) => {
      const img = link.ownerDocument.createElement('img');
      img.src = new URL(link.getAttribute('href')!, link.baseURI).href;
      await img.decode();
      return { path: new URL(img.src).pathname, width: img.naturalWidth };
    });
    assert.equal(icon.path, '/favicon.ico');
    assert.ok(icon.width > 0);
    const direct = await fetch(`${chat.url}/favicon.ico`);
    assert.equal(direct.status, 200);
    assert.equal(direct.headers.get('content-type'), 'image/svg+xml');
    assert.deepEqual(failed, [], 'every request the pages made succeeded');
  } finally {
    await context.close();
  }
});
