// Drives GraphiQL and GraphQL Playground in headless Chromium against a running Docket, as a person
// would: open the page, run a query and read the answer in the page, build a workflow and read what
// runs next, start a subscription and see an event appended meanwhile arrive in the page. Fails on
// any request to another host, any console error and any page error. Screenshots go to
// SCREENSHOT_DIR (graphiql.png, playground.png).
//
//   node explorer.mjs http://127.0.0.1:8000
//
// Chromium: CHROMIUM (default /usr/bin/chromium, Debian's package). With DOCKET_TOKEN, everything
// (the script's own requests, and GraphiQL through its Headers tab) authenticates with that bearer
// token; HIDDEN is a text no GraphiQL answer may show (another organization's data); ONLY=graphiql
// skips Playground.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const base = new URL(process.argv[2] ?? 'http://127.0.0.1:8000');
const shots = process.env.SCREENSHOT_DIR ?? '.';
const token = process.env.DOCKET_TOKEN;
const hidden = process.env.HIDDEN;
const problems = [];
const masked = (text) => (token ? text.replaceAll(token, 'dkt_…') : text);
const step = (message) => console.log(`explorer: ${message}`);

async function gql(query, variables = {}) {
  const response = await fetch(new URL('/graphql', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** Watches a page: every request must go to the server itself; no console or page error (but the
 * 401s of a page opened without credentials, until `authenticated` says they were entered). */
function watch(page, name, authenticated = () => true) {
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!['data:', 'blob:'].includes(url.protocol) && url.host !== base.host) {
      problems.push(`${name}: request to another host: ${request.url()}`);
    }
  });
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (!authenticated() && message.text().includes('status of 401')) return;
    problems.push(`${name}: console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${name}: page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    // A websocket closed by navigating away is not a failure of the page.
    if (!request.url().startsWith('ws')) problems.push(`${name}: request failed: ${request.url()}`);
  });
}

/** The text of the CodeMirror editor inside `selector`. */
const editorText = (page, selector) =>
  page.evaluate((s) => document.querySelector(`${s} .CodeMirror`).CodeMirror.getValue(), selector);

async function setEditor(page, selector, text) {
  await page.evaluate(([s, t]) => document.querySelector(`${s} .CodeMirror`).CodeMirror.setValue(t), [selector, text]);
}

/** Puts `query` (whose operation is `name`) in GraphiQL's editor and runs it, once GraphiQL has read it. */
async function runInGraphiQL(page, query, name) {
  await setEditor(page, '.graphiql-query-editor', query);
  await page.waitForSelector(`.graphiql-tab-active:has-text("${name}"), .graphiql-tabs:has-text("${name}")`, { timeout: 10_000 });
  await page.waitForTimeout(200);
  await page.click('.graphiql-execute-button');
}

async function waitForText(page, selector, needle, what) {
  const deadline = Date.now() + 20_000;
  let text = '';
  while (Date.now() < deadline) {
    text = await editorText(page, selector).catch(() => '');
    if (text.includes(needle)) return text;
    await page.waitForTimeout(100);
  }
  throw new Error(`${what}: "${needle}" never appeared; the page shows: ${text}`);
}

/** A shared link, `/graphql?query=...`, opens GraphiQL with that operation in its editor. */
async function sharedLink(browser) {
  const page = await browser.newPage();
  const query = 'query SharedLink { workspaces(first: 1) { totalCount } }';
  await page.goto(new URL(`/graphql?query=${encodeURIComponent(query)}`, base).href);
  await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 20_000 });
  await waitForText(page, '.graphiql-query-editor', 'query SharedLink', 'the shared link\'s query');
  step('a shared link opened GraphiQL with its query');
  await page.close();
}

async function graphiql(browser, session) {
  await sharedLink(browser);
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  // Without anonymous access, GraphiQL's first introspection (before a token is entered) is refused.
  let headersSet = !token;
  watch(page, 'graphiql', () => headersSet);
  const introspected = [];
  page.on('response', (response) => {
    const body = response.request().postData() ?? '';
    if (body.includes('IntrospectionQuery')) introspected.push({ status: response.status(), afterHeaders: headersSet });
  });
  const sentOnSocket = [];
  page.on('websocket', (ws) => ws.on('framesent', (frame) => sentOnSocket.push(String(frame.payload))));

  await page.goto(new URL('/graphql', base).href);
  await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 20_000 });
  step('GraphiQL is up');

  // The Headers tab: sent with HTTP requests and as the websocket's connectionParams.
  await page.getByRole('button', { name: 'Headers' }).click().catch(() => {});
  const headersEditor = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';
  await page.waitForSelector(`${headersEditor} .CodeMirror`, { timeout: 10_000 });
  const headers = { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'X-Docket-Actor': 'graphiql-browser-test' };
  await setEditor(page, headersEditor, JSON.stringify(headers, null, 2));
  if (token) {
    headersSet = true;
    // The page fetches the schema again by itself once the headers change, now with the token.
    const deadline = Date.now() + 10_000;
    while (!introspected.some((i) => i.afterHeaders && i.status === 200) && Date.now() < deadline) await page.waitForTimeout(100);
    if (introspected.some((i) => i.afterHeaders && i.status === 200)) step('schema re-fetched with the token');
    else problems.push(`graphiql: no introspection with the token: ${JSON.stringify(introspected)}`);
  }

  const path = `/graphiql/${Date.now()}`;
  await runInGraphiQL(page, `mutation Create { createWorkspace(input: { name: "from GraphiQL", path: "${path}" }) { workspace { name path } } }`, 'Create');
  await waitForText(page, '.graphiql-response', `"${path}"`, 'mutation from GraphiQL');
  const audit = await gql('{ auditLog(entityType: "workspace", last: 1) { nodes { onBehalfOf } } }').catch(() => null);
  step(`mutation ran; audited on behalf of: ${JSON.stringify(audit?.auditLog?.nodes?.[0]?.onBehalfOf ?? null)}`);

  await runInGraphiQL(page, 'query Listed { workspaces(first: 10) { totalCount nodes { name path } } }', 'Listed');
  const answer = await waitForText(page, '.graphiql-response', '"from GraphiQL"', 'query from GraphiQL');
  step(`query answered in the page: ${answer.replace(/\s+/g, ' ').slice(0, 120)}`);
  if (hidden && answer.includes(hidden)) problems.push(`graphiql: the answer shows ${hidden}: ${answer}`);

  // An unnamed query pasted over a named one runs (GraphiQL keeps the last operation's name).
  await setEditor(page, '.graphiql-query-editor', '{ __typename }');
  await page.waitForTimeout(300);
  await page.click('.graphiql-execute-button');
  await waitForText(page, '.graphiql-response', '"Query"', 'an unnamed query pasted over a named one');
  step('an unnamed query pasted over a named one ran');

  // A workflow, as a new user builds one: two tasks, B blocked by A, in a DAG workflow.
  const project = (await gql('mutation($n: String!) { createProject(input: { name: $n }) { project { id } } }', { n: `graphiql ${Date.now()}` })).createProject.project.id;
  const task = async (title) => (await gql('mutation($p: ID!, $t: String!) { createTask(input: { projectId: $p, title: $t }) { task { id } } }', { p: project, t: title })).createTask.task.id;
  const [a, b] = [await task('write the parser'), await task('document the parser')];
  await gql('mutation($t: ID!, $d: ID!) { addTaskDependency(input: { taskId: $t, dependsOnId: $d }) { task { id } } }', { t: b, d: a });
  await runInGraphiQL(page, `mutation Flow { createWorkflow(input: { projectId: "${project}", name: "parser", kind: DAG, phases: [{ name: "build" }] }) { workflow { id name kind phases { name } } } }`, 'Flow');
  const created = await waitForText(page, '.graphiql-response', '"DAG"', 'createWorkflow in GraphiQL');
  const workflow = JSON.parse(created).data.createWorkflow.workflow.id;
  await gql('mutation($w: ID!, $t: [ID!]!) { addTasksToWorkflow(input: { workflowId: $w, taskIds: $t }) { workflow { id } } }', { w: workflow, t: [a, b] });
  await runInGraphiQL(page, `query Next { workflow(id: "${workflow}") { readyTasks(first: 5) { totalCount nodes { title } } analytics { criticalPath { length } } } }`, 'Next');
  const next = await waitForText(page, '.graphiql-response', '"write the parser"', 'readyTasks in GraphiQL');
  const flow = JSON.parse(next).data.workflow;
  if (flow.readyTasks.totalCount !== 1 || flow.analytics.criticalPath.length !== 2) {
    problems.push(`graphiql: the workflow should offer only the unblocked task on a path of 2: ${next}`);
  }
  step(`workflow answered in the page: ${next.replace(/\s+/g, ' ').slice(0, 160)}`);

  await runInGraphiQL(
    page,
    `subscription Watch {\n  sessionEvents(\n    sessionId: "${session}"\n    afterSequence: 1\n  ) {\n    sequence\n    eventType\n  }\n}\n`,
    'Watch',
  );
  // Let the subscription register, then append an event from outside the page.
  const deadline = Date.now() + 20_000;
  while (!sentOnSocket.some((f) => f.includes('"subscribe"')) && Date.now() < deadline) await page.waitForTimeout(100);
  await page.waitForTimeout(300);
  await gql('mutation($s: ID!) { appendSessionEvent(input: { sessionId: $s, eventType: "seen_in_graphiql" }) { event { sequence } } }', { s: session });
  await waitForText(page, '.graphiql-response', 'seen_in_graphiql', 'subscription in GraphiQL');
  step('subscription delivered the event appended meanwhile');

  const init = sentOnSocket.find((f) => f.includes('connection_init'));
  if (!init || !init.includes('graphiql-browser-test') || (token && !init.includes(token))) {
    problems.push(`graphiql: the websocket's connection_init did not carry the Headers tab: ${masked(String(init))}`);
  } else {
    step(`connection_init carried the headers: ${masked(init)}`);
  }
  await page.screenshot({ path: join(shots, 'graphiql.png') });
  await page.close();
}

async function playground(browser, session) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  watch(page, 'playground');
  await page.goto(new URL('/playground', base).href);
  // Playground's classes are generated; its query editor is the first editor on the page.
  await page.waitForSelector('.CodeMirror', { timeout: 30_000 });
  step('Playground is up');
  const query = `query FromPlayground {\n  documentationSession(id: "${session}") {\n    moduleName\n    events(first: 5) {\n      nodes { sequence eventType }\n    }\n  }\n}\n`;
  await page.evaluate((q) => document.querySelector('.CodeMirror').CodeMirror.setValue(q), query);
  await page.waitForTimeout(300);
  await page.click('.CodeMirror');
  await page.keyboard.press('Control+Enter');
  const deadline = Date.now() + 20_000;
  let text = '';
  while (Date.now() < deadline) {
    text = await page.evaluate(() => document.body.innerText);
    if (text.includes('"session.started"')) break;
    await page.waitForTimeout(100);
  }
  if (!text.includes('"session.started"')) throw new Error(`Playground never showed the answer; it shows: ${text}`);
  step('query answered in Playground');
  await page.screenshot({ path: join(shots, 'playground.png') });
  await page.close();
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
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
try {
  mkdirSync(shots, { recursive: true });
  const data = await gql(`mutation { createWorkspace(input: { name: "browser", path: "/browser/${Date.now()}" }) { workspace { id } } }`);
  const started = await gql(
    'mutation($w: ID!) { startDocumentationSession(input: { workspaceId: $w, moduleName: "explorer", filePaths: ["a.rs"] }) { session { id } } }',
    { w: data.createWorkspace.workspace.id },
  );
  const session = started.startDocumentationSession.session.id;
  await graphiql(browser, session);
  if (process.env.ONLY !== 'graphiql') await playground(browser, session);
} catch (error) {
  problems.push(error.stack ?? String(error));
} finally {
  await browser.close();
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
step(`${process.env.ONLY === 'graphiql' ? 'GraphiQL works' : 'GraphiQL and Playground work'} with nothing from another host`);
