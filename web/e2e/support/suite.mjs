// The set-up most browser tests share: their own server, one Chromium, one page per person; logs saved and
// everything stopped afterwards. Call inside describe(); the fields are filled in by the time tests run.
import { after, before } from 'node:test';
import { launchBrowser, openPerson, saveLogs } from './browser.mjs';
import { startServer } from './server.mjs';

export function pagesOnOwnServer(logPrefix, names) {
  const suite = { server: undefined, browser: undefined, people: [] };
  before(async () => {
    suite.server = await startServer();
    suite.browser = await launchBrowser();
    suite.people = await Promise.all(names.map((name) => openPerson(suite.browser, suite.server.url, name)));
  });
  after(async () => {
    await saveLogs(logPrefix, suite.server, suite.people);
    await suite.browser?.close();
    await suite.server?.stop();
  });
  return suite;
}
