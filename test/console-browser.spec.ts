import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { launchChromium, newContext, type PageProblems, signIn, watchProblems } from './support/browser.js';
import { errorOf, FakeOpenAi } from './support/fake-openai.js';
import { FAULTS } from './support/faults.js';
import { gatewayYaml, startTestApp, type TestApp } from './support/test-app.js';

/**
 * The web console in a real Chromium against the real service (embedded PostgreSQL, the default
 * config/gateway.yaml: `cloud` is a simulated tier-4 model, so anonymization applies; `fast` is tier 1).
 * The tests are one flow in order, in one signed-in tab: later ones inspect what earlier ones made.
 */
const PII_NAME = 'Maria Gonzalez';
const PII_EMAIL = 'maria.gonzalez@acme-legal.com';
const PROMPT = `Write to ${PII_NAME} (${PII_EMAIL}) about the unpaid invoice.`;
const INDICATOR_URL = /\/chats\/[0-9a-f-]{36}\/receipts\?event_kinds=inference$/;

describe('web console in a real browser', () => {
  let app: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;
  /** The anonymized turn's chat and assistant message, found by the first test. */
  let cloudChatUrl = '';
  let cloudMessageId = '';

  beforeAll(async () => {
    // The shipped config, with the tier-4 stream slowed from 5 ms to 40 ms a chunk: on a loaded machine
    // 5 ms chunks can reach the browser in one read, and the test must see the answer grow.
    const shipped = readFileSync('config/gateway.yaml', 'utf8');
    const cloudSim = /(- name: cloud-sim[\s\S]*?options: \{ ttft_ms: 20, )chunk_ms: 5 \}/;
    expect(shipped).toMatch(cloudSim);
    app = await startTestApp(shipped.replace(cloudSim, '$1chunk_ms: 40 }'));
    browser = await launchChromium();
    context = await newContext(browser);
    page = await context.newPage();
    problems = watchProblems(page);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const composer = () => ({
    model: page.getByLabel('Model', { exact: true }),
    floor: page.getByLabel('Tier floor', { exact: true }),
    message: page.getByLabel('Message', { exact: true }),
    send: page.getByRole('button', { name: 'Send' }),
  });
  const lastAnswer = () => page.getByRole('article', { name: 'Assistant message' }).last();

  it('says so when the key is wrong, and names the first-start key file', async () => {
    const other = await context.newPage();
    await other.goto(`${app.url}/`);
    await expect(
      other
        .getByText(/admin-api-key/)
        .first()
        .isVisible(),
    ).resolves.toBe(true);
    await other.getByLabel('API key').fill('tly_this_key_does_not_exist_000000');
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByRole('alert').filter({ hasText: 'That API key was not accepted' }).waitFor();
    expect(await other.evaluate(() => [sessionStorage.length, localStorage.length])).toEqual([0, 0]);
    await other.close();
  });

  it('signs in, streams a cloud answer as it arrives, then shows "Anonymized" from one receipts read after [DONE]', async () => {
    const indicatorReads: Request[] = [];
    const countReads = (request: Request) => {
      if (INDICATOR_URL.test(request.url())) indicatorReads.push(request);
    };
    page.on('request', countReads);
    await signIn(page, app.url, app.adminKey);
    // The key is in sessionStorage only: not in the URL, not in localStorage.
    expect(page.url()).not.toContain(app.adminKey);
    expect(await page.evaluate(() => [localStorage.length, Object.values(sessionStorage).length])).toEqual([0, 2]);

    await page.getByRole('button', { name: 'New chat', exact: true }).click();
    await page.getByRole('heading', { name: 'New chat' }).waitFor();
    cloudChatUrl = page.url();
    const c = composer();
    await c.model.selectOption('cloud');
    await c.message.fill(PROMPT);
    // Rendered while it streams: record every text the answer showed while it was still aria-busy.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as any).__partials = seen;
      new MutationObserver(() => {
        const busy = document.querySelector('article[aria-label="Assistant message"][aria-busy="true"]');
        const text = busy?.textContent ?? '';
        if (text && !text.includes('Thinking') && seen.at(-1) !== text) seen.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    indicatorReads.length = 0; // opening the new chat read its (empty) history once
    await c.send.click();
    await page.getByRole('button', { name: 'Copy' }).waitFor();
    const partials: string[] = await page.evaluate(() => (window as any).__partials);
    const final =
      (await lastAnswer()
        .getByText(/^This is sim-cloud/)
        .textContent()) ?? '';
    expect(partials.length).toBeGreaterThan(2);
    expect(final.startsWith(partials[0]) && partials[0].length < final.length).toBe(true);
    const pill = lastAnswer().getByText('Anonymized', { exact: true });
    await pill.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await lastAnswer().getByText('Tier 4', { exact: true }).isVisible()).toBe(true);
    expect(await lastAnswer().locator('[title]').filter({ hasText: 'Anonymized' }).getAttribute('title')).toBe(
      'This request was processed by the anonymization layer before leaving your environment',
    );
    // The answer quotes what the user sent, names restored.
    expect(await lastAnswer().textContent()).toContain(PII_NAME);
    expect(indicatorReads).toHaveLength(1);
    page.off('request', countReads);

    const receipts = (await (
      await fetch(`${app.url}/chats/${cloudChatUrl.split('/').pop()}/receipts?event_kinds=inference`, {
        headers: { authorization: `Bearer ${app.adminKey}` },
      })
    ).json()) as { detail: { message_id: string; anonymization_applied: boolean } }[];
    expect(receipts).toHaveLength(1);
    expect(receipts[0].detail.anonymization_applied).toBe(true);
    cloudMessageId = receipts[0].detail.message_id;

    // History: a reload reads the same receipts and shows the pill again.
    await page.reload();
    await lastAnswer().getByText('Anonymized', { exact: true }).waitFor({ timeout: 15_000 });
  });

  it('shows no pill on a tier-1 answer (affirmative-only)', async () => {
    await page.getByRole('button', { name: 'New chat', exact: true }).click();
    await page.getByRole('heading', { name: 'New chat' }).waitFor();
    const c = composer();
    await c.model.selectOption('fast');
    await c.message.fill(PROMPT);
    const indicator = page.waitForResponse((res) => INDICATOR_URL.test(res.url()));
    await c.send.click();
    await page.getByRole('button', { name: 'Copy' }).waitFor();
    const body = await (await indicator).json();
    expect(body[0].detail.anonymization_applied).toBe(false);
    await lastAnswer().getByText('Tier 1', { exact: true }).waitFor();
    expect(await page.getByText('Anonymized', { exact: true }).count()).toBe(0);
  });

  it('opens Receipts: a dialog with Tier badges, an Export that downloads the JSONL, chips that filter, Esc closes', async () => {
    await page.goto(cloudChatUrl);
    await page.getByRole('button', { name: 'Copy' }).waitFor();
    await page.getByRole('button', { name: 'Receipts' }).click();
    const dialog = page.getByRole('dialog', { name: 'Receipts' });
    await dialog.waitFor({ state: 'visible' });
    expect(await dialog.getAttribute('aria-modal')).toBe('true');
    await dialog
      .getByText(/Tier \d/)
      .first()
      .waitFor({ timeout: 15_000 });
    await dialog.getByRole('heading', { name: 'Receipts · 3 events' }).waitFor();
    expect(await dialog.getByText('sim-cloud', { exact: true }).isVisible()).toBe(true);
    expect(await dialog.getByText(/cloud-sim · \d+→\d+ tokens · \d+\.\ds/).isVisible()).toBe(true);
    expect(await dialog.getByText('entities: EMAIL_ADDRESS ×1 · PERSON ×1').isVisible()).toBe(true);

    const exportLink = dialog.getByRole('link', { name: 'Export' });
    expect(await exportLink.getAttribute('href')).toMatch(/receipts\/export\.jsonl$/);
    const [download] = await Promise.all([page.waitForEvent('download'), exportLink.click()]);
    expect(download.suggestedFilename()).toMatch(/^chat-[0-9a-f-]{36}-receipts\.jsonl$/);
    const lines = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((line) => JSON.parse(line).kind)).toEqual(['message', 'inference', 'message']);

    await dialog.getByRole('button', { name: 'Details' }).nth(1).click();
    expect(await dialog.getByText(`"message_id": "${cloudMessageId}"`).isVisible()).toBe(true);

    await dialog.getByRole('button', { name: 'inference', exact: true }).click();
    expect(await dialog.getByText(/Tier \d/).count()).toBe(0);
    expect(await dialog.getByText('You', { exact: true }).isVisible()).toBe(true);
    await dialog.getByRole('button', { name: 'message', exact: true }).click();
    expect(await dialog.getByText('You', { exact: true }).count()).toBe(0);

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    // The ✕ button and the backdrop close it too.
    await page.getByRole('button', { name: 'Receipts' }).click();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Receipts' }).click();
    await dialog.waitFor({ state: 'visible' });
    await page.mouse.click(20, 450);
    await dialog.waitFor({ state: 'hidden' });
  });

  it('shows a tier-floor refusal with its reason, and an error row in the drawer', async () => {
    const c = composer();
    await c.model.selectOption('cloud');
    await c.floor.selectOption('3');
    await c.message.fill('This must not leave at tier 4.');
    await c.send.click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'Refused (tier_below_minimum): Request requires Inference Tier 3 or stronger' })
      .waitFor();
    expect(await lastAnswer().getByRole('button', { name: 'Copy' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Receipts' }).click();
    const dialog = page.getByRole('dialog', { name: 'Receipts' });
    await dialog.getByText('Inference refused', { exact: true }).waitFor();
    expect(await dialog.getByRole('button', { name: 'error', exact: true }).isVisible()).toBe(true);
    expect(await dialog.getByText('tier_below_minimum:required=3:resolved=4:source=request').isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await c.floor.selectOption('');
  });

  it('as admin: the turn inspector shows the entity counts and no original value; the routing log filters by outcome', async () => {
    await page.getByRole('link', { name: 'Routing log' }).click();
    await page.getByRole('heading', { name: 'Routing log' }).waitFor();
    const rows = page.getByRole('table').getByRole('row');
    await rows.filter({ hasText: 'refused' }).first().waitFor();
    await page.getByLabel('Outcome', { exact: true }).selectOption('refused');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await rows.filter({ hasText: 'completed' }).first().waitFor({ state: 'detached' });
    expect(await rows.filter({ hasText: 'tier_below_minimum' }).count()).toBe(1);
    expect(await rows.count()).toBe(2); // the header and the one refused row

    await page.getByLabel('Outcome', { exact: true }).selectOption('completed');
    await page.getByLabel('Anonymized', { exact: true }).selectOption('true');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await rows.filter({ hasText: 'refused' }).first().waitFor({ state: 'detached' });
    expect(await rows.count()).toBe(2);
    await rows.nth(1).getByRole('link', { name: 'Inspect' }).click();

    await page.getByRole('heading', { name: 'Turn inspector' }).waitFor();
    expect(page.url()).toContain(`/console/admin/turns/${cloudMessageId}`);
    const entities = page.getByRole('table', { name: 'Entities by type' });
    await entities.getByRole('row', { name: 'EMAIL_ADDRESS 1' }).waitFor();
    expect(await entities.getByRole('row', { name: 'PERSON 1' }).isVisible()).toBe(true);
    expect(await page.getByText('PERSON_0001', { exact: true }).isVisible()).toBe(true);
    const text = (await page.locator('body').textContent()) ?? '';
    for (const original of ['Maria', 'Gonzalez', PII_EMAIL, 'acme-legal'])
      expect([original, text.includes(original)]).toEqual([original, false]);
  });

  it('pages the routing log with its cursor', async () => {
    const member = await app.createUser('member');
    for (let n = 0; n < 55; n++) {
      const res = await fetch(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${member.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: `row ${n}` }] }),
      });
      expect(res.status).toBe(200);
    }
    await page.getByRole('link', { name: 'Routing log' }).click();
    await page.getByRole('button', { name: 'Clear' }).click();
    const rows = page.getByRole('table').getByRole('row');
    const next = page.getByRole('button', { name: 'Next page' });
    const previous = page.getByRole('button', { name: 'Previous page' });
    await rows.nth(50).waitFor();
    expect(await rows.count()).toBe(51); // the header and a full page of 50
    expect(await previous.isDisabled()).toBe(true);
    const firstPageTop = await rows.nth(1).textContent();
    const total = (
      await (
        await fetch(`${app.url}/admin/routing-log?limit=100`, { headers: { authorization: `Bearer ${app.adminKey}` } })
      ).json()
    ).items.length;
    expect(total).toBeGreaterThan(50);
    await next.click();
    await rows.nth(total - 50 + 1).waitFor({ state: 'detached' });
    expect(await rows.count()).toBe(total - 50 + 1);
    expect(await next.isDisabled()).toBe(true);
    await previous.click();
    await rows.nth(50).waitFor();
    expect(await rows.nth(1).textContent()).toBe(firstPageTop);
  });

  it('shows usage with its chart, and issues a key once', async () => {
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('img', { name: /Tokens \(bars, up to \d+\) and cost/ }).waitFor();
    await page
      .getByRole('row', { name: /cloud-sim/ })
      .first()
      .waitFor();

    await page.getByRole('link', { name: 'Users and keys' }).click();
    await page.getByLabel('Email').fill('carol@example.com');
    await page.getByRole('button', { name: 'Create user' }).click();
    const shown = page.getByRole('status').filter({ hasText: 'it will not be shown again' });
    await shown.waitFor();
    const key = (await shown.locator('code').textContent())!;
    expect(key).toMatch(/^tly_/);
    const res = await fetch(`${app.url}/chats`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    await page.getByRole('button', { name: /^Revoke key / }).click();
    await page.getByRole('status').filter({ hasText: 'revoked' }).waitFor();
    expect((await fetch(`${app.url}/chats`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  });

  it('gives a member no admin links, and a direct visit is refused', async () => {
    const member = await app.createUser('member');
    // Another tab: sessionStorage is per tab, so it is signed out until the member signs in.
    // (A second browser context would do too, but closing one ends single-process Chromium.)
    const memberPage = await context.newPage();
    await signIn(memberPage, app.url, member.key);
    const nav = memberPage.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Chats' }).isVisible()).toBe(true);
    for (const name of ['Routing log', 'Turn inspector', 'Usage', 'Users and keys']) {
      expect([name, await memberPage.getByRole('link', { name }).count()]).toEqual([name, 0]);
    }
    const refused = memberPage.waitForResponse((res) => res.url().startsWith(`${app.url}/admin/routing-log`));
    await memberPage.goto(`${app.url}/console/admin/routing-log`);
    expect((await refused).status()).toBe(403);
    await memberPage.getByRole('alert').filter({ hasText: 'Admins only' }).waitFor();
    // Sign out forgets the key.
    await memberPage.getByRole('button', { name: 'Sign out' }).click();
    await memberPage.getByLabel('API key').waitFor();
    expect(await memberPage.evaluate(() => sessionStorage.length)).toBe(0);
    await memberPage.close();
  });

  it('archives a chat: it leaves the list', async () => {
    await page.goto(`${app.url}/console/`);
    const list = page.getByRole('complementary', { name: 'Chats' });
    await page.getByRole('button', { name: 'New chat', exact: true }).click();
    await page.getByRole('heading', { name: 'New chat' }).waitFor();
    const before = await list.getByRole('link').count();
    await list.getByRole('button', { name: 'Archive New chat' }).first().click();
    await page.getByRole('heading', { name: 'Chats' }).waitFor();
    expect(await list.getByRole('link').count()).toBe(before - 1);
  });

  it('keeps a partial answer when the upstream fails mid-stream, and says a failure before it started', async () => {
    const fake = await new FakeOpenAi().start();
    const flaky = await startTestApp(gatewayYaml({ upstreams: { flaky: fake.baseUrl } }));
    const tab = await context.newPage();
    try {
      await signIn(tab, flaky.url, flaky.adminKey);
      await tab.getByRole('button', { name: 'New chat', exact: true }).click();
      await tab.getByRole('heading', { name: 'New chat' }).waitFor();
      await tab.getByLabel('Model', { exact: true }).selectOption('flaky/flaky-model');
      const answer = () => tab.getByRole('article', { name: 'Assistant message' }).last();

      fake.behaviour = () => FAULTS['a reset mid-stream'].behaviour;
      await tab.getByLabel('Message', { exact: true }).fill('Tell me a long story.');
      await tab.getByRole('button', { name: 'Send' }).click();
      await answer().getByRole('alert').filter({ hasText: 'The partial answer above is kept.' }).waitFor();
      expect(await answer().getByRole('alert').textContent()).toMatch(/^Failed \(provider_unavailable\): /);
      expect(await answer().getByText('partial', { exact: true }).isVisible()).toBe(true);

      fake.behaviour = () => errorOf(500);
      await tab.getByLabel('Message', { exact: true }).fill('And another.');
      await tab.getByRole('button', { name: 'Send' }).click();
      await answer()
        .getByRole('alert')
        .filter({ hasText: /^Failed \(provider_unavailable\): / })
        .waitFor();
      expect(await answer().getByRole('button', { name: 'Copy' }).count()).toBe(0);

      // Both failures are receipts, with their outcome.
      await tab.getByRole('button', { name: 'Receipts' }).click();
      const dialog = tab.getByRole('dialog', { name: 'Receipts' });
      await dialog.getByText('failed', { exact: true }).first().waitFor();
      expect(await dialog.getByText('failed', { exact: true }).count()).toBe(2);
    } finally {
      await tab.close();
      await flaky.close();
      await fake.stop();
    }
  });

  it('serves its pages and /docs with the CSP, and nothing logged a console error', async () => {
    // A fresh tab that only loads pages: any console error or warning at all fails the test.
    const tab = await context.newPage();
    const tabProblems = watchProblems(tab);
    await signIn(tab, app.url, app.adminKey);
    const pages: [string, () => Promise<void>][] = [
      [cloudChatUrl.slice(app.url.length), () => tab.getByRole('button', { name: 'Copy' }).waitFor()],
      ['/console/admin/routing-log', () => tab.getByRole('link', { name: 'Inspect' }).first().waitFor()],
      [`/console/admin/turns/${cloudMessageId}`, () => tab.getByRole('table', { name: 'Entities by type' }).waitFor()],
      ['/console/admin/usage', () => tab.getByRole('img', { name: /Tokens/ }).waitFor()],
      ['/console/admin/users', () => tab.getByRole('button', { name: 'Create user' }).waitFor()],
      // Swagger UI renders the document it fetched from /openapi.json.
      ['/docs', () => tab.getByText('/chats/{id}/receipts/export.jsonl').first().waitFor()],
    ];
    for (const [path, loaded] of pages) {
      const res = await tab.goto(`${app.url}${path}`);
      expect([path, res?.status()]).toEqual([path, 200]);
      const csp = (await res?.headerValue('content-security-policy')) ?? '';
      expect([path, csp]).toEqual([path, expect.stringContaining("default-src 'self'; script-src 'self'; style-src 'self'")]);
      expect(csp).not.toContain('unsafe');
      await loaded();
    }
    expect(tabProblems.list).toEqual([]);
    // The tab that ran every flow: intended refusals (401, 403) log failed loads, but nothing threw
    // and nothing was blocked by the CSP.
    expect(problems.list.filter((p) => !/Failed to load resource: the server responded with a status of 40[13]/.test(p))).toEqual(
      [],
    );
    await tab.close();
  });
});
