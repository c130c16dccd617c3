/**
 * The dashboard (docs/dashboard.md) in a real headless Chromium against a real gateway: real MQTT devices
 * publish while the page watches. One browser for the file; each test signs in in its own context.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Browser, HTTPRequest, Page } from 'puppeteer-core';
import {
  foreignRequests,
  launchBrowser,
  openPage,
  type WatchedPage,
  withScreenshot,
} from '../helpers/browser.ts';
import {
  ADMIN_TOKEN,
  connectDevice,
  startTestGateway,
  type TestGateway,
  tempDir,
  vitals,
} from '../helpers/gateway.ts';

describe('dashboard in headless Chromium', () => {
  let t: TestGateway;
  let browser: Browser;
  const secrets: Record<string, string> = {};
  const watched: WatchedPage[] = [];
  const files = tempDir('medgate-proofs-');

  const publish = async (deviceId: string, patientId: string, values: Record<string, number> = {}) => {
    const c = await connectDevice(t.mqttUrl, {
      username: deviceId,
      password: secrets[deviceId]!,
      clientId: deviceId,
    });
    const base = vitals(patientId);
    await c.publishAsync(
      `tele/${deviceId}/vitals`,
      JSON.stringify({ ...base, vitals: { ...base.vitals, respRate: 16, ...values } }),
      { qos: 1 },
    );
    await c.endAsync();
  };

  /** Busy (aria-busy) until the view has loaded and listens to live events: the state tests wait for. */
  const viewReady = (page: Page) => page.waitForSelector('#view > div:not([aria-busy])');

  const signIn = async (token: string, width?: number): Promise<WatchedPage> => {
    const w = await openPage(browser, width);
    await typeToken(w, token);
    await viewReady(w.page);
    return w;
  };

  const typeToken = async (w: WatchedPage, token: string): Promise<void> => {
    watched.push(w);
    await w.page.goto(`${t.httpUrl}/ui/`);
    await w.page.waitForSelector('#signin:not([hidden])');
    // By keyboard: Tab to the token field, type, Enter.
    for (let i = 0; i < 10 && (await w.page.evaluate('document.activeElement?.id')) !== 'token'; i++) {
      await w.page.keyboard.press('Tab');
    }
    await w.page.keyboard.type(token);
    await w.page.keyboard.press('Enter');
    await w.page.waitForSelector('#nav:not([hidden])');
    await w.page.waitForSelector('#fig-received');
  };

  const text = (page: Page, selector: string) => page.$eval(selector, (el) => el.textContent ?? '');

  before(async () => {
    t = await startTestGateway();
    secrets['w-a'] = await t.provision('w-a', 'wearable', 'P-A');
    secrets['w-b'] = await t.provision('w-b', 'wearable', 'P-B');
    for (let i = 0; i < 3; i++) await publish('w-a', 'P-A', { heartRate: 70 + i });
    await publish('w-b', 'P-B');
    secrets['w-c'] = await t.provision('w-c', 'wearable', 'P-C');
    browser = await launchBrowser();
  });

  // Every page a test opened: no request to another host, no console error. Then it is closed.
  afterEach(async () => {
    const pages = watched.splice(0);
    for (const w of pages) await w.page.browserContext().close();
    for (const w of pages) {
      assert.ok(w.requests.length > 0);
      assert.deepEqual(foreignRequests(w.requests), [], 'no request leaves 127.0.0.1');
      assert.deepEqual(w.errors, [], 'no console error');
    }
  });

  after(async () => {
    await browser?.close();
    await t.stop();
    files.remove();
  });

  test('sign-in keeps the token in sessionStorage; the overview figures change as readings arrive', async () => {
    const { page } = await signIn(ADMIN_TOKEN);
    await withScreenshot(page, 'overview', async () => {
      assert.equal(await page.evaluate(() => sessionStorage.getItem('medgate.token')), ADMIN_TOKEN);
      await page.waitForFunction("document.querySelector('#live')?.textContent?.includes('live')");
      const stored = Number(await text(page, '#fig-ingested'));
      assert.equal(await text(page, '#fig-received'), '0');
      await publish('w-a', 'P-A');
      await page.waitForFunction("document.querySelector('#fig-received')?.textContent === '1'", {
        timeout: 5000,
      });
      assert.equal(Number(await text(page, '#fig-ingested')), stored + 1);
      assert.notEqual(await text(page, '#fig-rate'), '0.0');
      // No alarm is open yet: the panel says so.
      assert.equal(await text(page, '#alarms'), 'no alarms');
    });
  });

  test('the patient view renders a chart per vital and adds live readings', async () => {
    const { page } = await signIn(ADMIN_TOKEN);
    await withScreenshot(page, 'patient', async () => {
      await page.goto(`${t.httpUrl}/ui/#/patient/P-A`);
      await page.waitForFunction("document.querySelectorAll('#charts .uplot canvas').length === 5");
      await page.waitForSelector('#proofs tr:nth-child(2)');
      const rows = await page.$$eval('#proofs tr', (r) => r.length);
      await page.waitForFunction("document.querySelector('#live')?.textContent?.includes('live')");
      await publish('w-a', 'P-A', { heartRate: 131 });
      await page.waitForFunction(
        "[...document.querySelectorAll('#proofs td')].some((td) => td.textContent.includes('heartRate 131'))",
        { timeout: 5000 },
      );
      assert.ok((await page.$$eval('#proofs tr', (r) => r.length)) >= Math.min(rows + 1, 11));
      // Heart rate 131 scores 3: NEWS2 says urgent in words, not in colour alone.
      assert.match(await text(page, '#news2-score'), /URGENT/);
    });
  });

  test('a clinician sees only its patients, in the list and in live events', async () => {
    const res = await t.api('POST', '/v1/tokens', { body: { role: 'clinician', patients: ['P-A'] } });
    const { page } = await signIn(res.body.token);
    await withScreenshot(page, 'clinician', async () => {
      await page.waitForFunction("document.querySelector('#live')?.textContent?.includes('live')");
      // P-B's reading is committed (and published) before P-A's: the counter reaching 1 means it was skipped.
      await publish('w-b', 'P-B');
      await publish('w-a', 'P-A');
      await page.waitForFunction("document.querySelector('#fig-received')?.textContent === '1'", {
        timeout: 5000,
      });
      await publish('w-a', 'P-A');
      await page.waitForFunction("document.querySelector('#fig-received')?.textContent === '2'", {
        timeout: 5000,
      });
      await page.goto(`${t.httpUrl}/ui/#/patients`);
      await page.waitForSelector('#patients');
      const listed = await page.$$eval('#patients td:first-child', (cells) =>
        cells.map((c) => c.textContent),
      );
      assert.deepEqual(listed, ['P-A']);
      assert.ok(!(await page.content()).includes('P-B'));
    });
  });

  test('an alarm a device opens shows live in the patient view, and a granted clinician acknowledges it', async () => {
    const res = await t.api('POST', '/v1/tokens', { body: { role: 'clinician', patients: ['P-C'] } });
    const { page } = await signIn(res.body.token);
    await withScreenshot(page, 'alarm', async () => {
      await page.goto(`${t.httpUrl}/ui/#/patient/P-C`);
      await viewReady(page);
      assert.equal(await text(page, '#patient-alarms'), 'no alarms');
      // A pulse of 131 scores 3 in NEWS2: an urgent alarm opens at once, and reaches the page as an event.
      await publish('w-c', 'P-C', { heartRate: 131 });
      const button = await page.waitForSelector('#patient-alarms .alarm button');
      assert.match(await text(page, '#patient-alarms .alarm'), /urgent.*NEWS2 3.*P-C/);
      assert.equal(await button!.evaluate((b) => b.textContent), 'Acknowledge');
      await button!.click();
      await page.waitForFunction(
        "document.querySelector('#patient-alarms .alarm')?.textContent?.includes('acknowledged by')",
      );
      assert.equal(await page.$('#patient-alarms .alarm button'), null);
      const { alarms } = (await t.api('GET', '/v1/alarms?status=open&patientId=P-C')).body;
      assert.equal(alarms.length, 1);
      assert.equal(alarms[0].acknowledgedBy, res.body.name);
      assert.ok(alarms[0].acknowledgedAt);
    });
  });

  test('readings that arrive while the overview is still loading are counted, not lost', async () => {
    const w = await openPage(browser);
    const { page } = w;
    // The overview's last request (the open alarms) is held until a reading has gone out live.
    await page.setRequestInterception(true);
    let held: HTTPRequest | null = null;
    const seen = new Promise<void>((resolve) => {
      page.on('request', (r) => {
        if (!held && new URL(r.url()).pathname === '/v1/alarms') {
          held = r;
          resolve();
        } else r.continue();
      });
    });
    await typeToken(w, ADMIN_TOKEN);
    await withScreenshot(page, 'overview-loading', async () => {
      await seen;
      await page.waitForFunction("document.querySelector('#live')?.textContent?.includes('live')");
      assert.equal(await page.$eval('#view > div', (v) => v.getAttribute('aria-busy')), 'true');
      await publish('w-a', 'P-A');
      await held!.continue();
      await viewReady(page);
      await page.waitForFunction("document.querySelector('#fig-received')?.textContent === '1'", {
        timeout: 5000,
      });
      await publish('w-a', 'P-A');
      await page.waitForFunction("document.querySelector('#fig-received')?.textContent === '2'", {
        timeout: 5000,
      });
    });
  });

  test('the verify view says VALID for a real proof and INVALID for a tampered one, with no request', async () => {
    await publish('w-a', 'P-A', { spo2: 95 });
    const reading = (await t.api('GET', '/v1/patients/P-A/readings?limit=1000')).body.readings.at(-1);
    await t.gateway.sealer.sealOpen();
    // Mine until a block holds the reading's window (its record reaches the pool just after sealing).
    let proof = (await t.api('GET', `/v1/readings/${reading.id}/proof`)).body;
    for (let i = 0; i < 100 && !proof.anchor; i++) {
      const { block } = (await t.api('POST', '/v1/ledger/mine', { body: {} })).body;
      if (!block) await new Promise((r) => setTimeout(r, 20));
      proof = (await t.api('GET', `/v1/readings/${reading.id}/proof`)).body;
    }
    assert.ok(proof.anchor, 'an anchored proof');
    const good = join(files.path, 'proof.json');
    const bad = join(files.path, 'tampered.json');
    writeFileSync(good, JSON.stringify(proof));
    writeFileSync(
      bad,
      JSON.stringify({
        ...proof,
        reading: {
          ...proof.reading,
          data: { ...proof.reading.data, vitals: { ...proof.reading.data.vitals, spo2: 99 } },
        },
      }),
    );

    const { page, requests } = await signIn(ADMIN_TOKEN);
    await withScreenshot(page, 'verify', async () => {
      await page.goto(`${t.httpUrl}/ui/#/verify`);
      await page.waitForSelector('#proof-file');
      assert.match(await text(page, '#trust'), /gw-test/);
      for (const [file, word] of [
        [good, 'VALID'],
        [bad, 'INVALID'],
      ] as const) {
        await page.$eval('#verdict', (el) => el.replaceChildren());
        const before = requests.length;
        const input = await page.$('input[type=file]');
        await input!.uploadFile(file);
        await page.waitForSelector('#verdict-word');
        assert.equal((await text(page, '#verdict-word')).replace(/^\W+/, ''), word);
        assert.deepEqual(requests.slice(before), [], 'no request while verifying');
      }
      const failed = await page.$$eval('#checks li', (items) =>
        items
          .filter((li) => li.textContent?.startsWith('INVALID'))
          .map((li) => li.getAttribute('data-check')),
      );
      assert.deepEqual(failed, ['leaf']);
      const checks = await page.$$eval('#checks li', (items) =>
        items.map((li) => li.getAttribute('data-check')),
      );
      for (const name of [
        'inclusion',
        'record-signature',
        'gateway-key',
        'record-in-block',
        'block-pow',
        'miner',
        'chain',
      ]) {
        assert.ok(checks.includes(name), `check ${name} listed`);
      }
    });
  });

  test('the drones view maps a flight live, with battery, cold-chain band and chain of custody', async () => {
    const secret = await t.provision('d-1', 'drone');
    const drone = await connectDevice(t.mqttUrl, { username: 'd-1', password: secret, clientId: 'd-1' });
    const now = Date.now();
    const at = (i: number) => ({ lat: 22.57 + i * 0.002, lon: 88.36 + i * 0.001, altM: i === 0 ? 0 : 100 });
    await drone.publishAsync(
      'tele/d-1/delivery',
      JSON.stringify({
        seq: 1,
        ts: now - 5000,
        flightId: 'F-9',
        event: 'dispatched',
        patientId: 'P-A',
        payload: { kind: 'vaccine', description: 'BCG', quantity: 1 },
        position: at(0),
      }),
      { qos: 1 },
    );
    await drone.publishAsync(
      'tele/d-1/flight',
      JSON.stringify({
        seq: 2,
        ts: now - 4000,
        flightId: 'F-9',
        position: at(1),
        batteryPct: 80,
        payloadTempC: 5,
      }),
      { qos: 1 },
    );
    const { page } = await signIn(ADMIN_TOKEN);
    await withScreenshot(page, 'drones', async () => {
      await page.goto(`${t.httpUrl}/ui/#/drones/F-9`);
      await page.waitForSelector('#custody');
      assert.match(await text(page, '#custody'), /dispatched for P-A \(vaccine: BCG\)/);
      await page.waitForFunction("document.querySelector('#live')?.textContent?.includes('live')");
      await drone.publishAsync(
        'tele/d-1/flight',
        JSON.stringify({
          seq: 3,
          ts: now - 3000,
          flightId: 'F-9',
          position: at(2),
          batteryPct: 78,
          payloadTempC: 9.5,
        }),
        { qos: 1 },
      );
      await page.waitForFunction("document.querySelector('#flight')?.textContent?.includes('78 %')", {
        timeout: 5000,
      });
      assert.match(await text(page, '#flight'), /9\.5 °C ▲ OUT OF BAND/);
      const track = await page.$eval('svg.map polyline', (el) => el.getAttribute('points') ?? '');
      assert.equal(track.split(' ').length, 2, 'the track has both positions');
      assert.equal(await page.$$eval('svg.map circle', (c) => c.length), 1, 'one last position');
    });
    await drone.endAsync();
  });

  test('at 390 px no view scrolls sideways', async () => {
    const { page } = await signIn(ADMIN_TOKEN, 390);
    for (const view of ['overview', 'patients', 'patient/P-A', 'drones/F-9', 'ledger', 'verify']) {
      await withScreenshot(page, `narrow-${view}`, async () => {
        await page.goto(`${t.httpUrl}/ui/#/${view}`);
        await page.waitForSelector('#view h1');
        await page.waitForNetworkIdle({ idleTime: 200, concurrency: 1 });
        const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
        assert.ok(width <= 390, `#/${view} is ${width} px wide`);
      });
    }
  });
});
