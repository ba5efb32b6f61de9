import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { ADMIN, api, startHubWithAgent, tarOf, tokenFor, trpcMutation, until } from './helpers/hub.js';
import { launchChromium, screenshot, signedInPage } from './helpers/browser.js';

type Setup = Awaited<ReturnType<typeof startHubWithAgent>>;

/** Cancelling running jobs through the hub (REST and the task centre in Chromium), on a real agent and engine. */
describe('job cancel', () => {
  let s: Setup;
  let admin: ReturnType<typeof api>;
  let hostId: string;
  let stalled: Server | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    s = await startHubWithAgent({ web: true });
    admin = api(s.server.url, `Bearer ${await tokenFor(s.server.url, ADMIN.email, ADMIN.password)}`);
    hostId = s.agent.hostId!;
  });
  afterAll(async () => {
    await browser?.close();
    stalled?.closeAllConnections();
    stalled?.close();
    await s?.stop();
  });

  const jobEnd = (id: string) =>
    until(async () => {
      const r = await admin('GET', `/api/v1/jobs/${id}`);
      return ['succeeded', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
    }, `job ${id} to end`);

  it('kills a build’s running RUN step: the build ends cancelled and tags nothing', async () => {
    const context = tarOf({ Dockerfile: 'FROM busybox:latest\nRUN echo sleeping && sleep 300 && echo woke\n' });
    const started = await admin('POST', `/api/v1/hosts/${hostId}/builds?t=cancel-me:1`, context);
    expect(started.status).toBe(201);
    const buildId: string = started.body.id;
    // The step runs: its first line arrived.
    const running = await until(async () => {
      const r = await admin('GET', `/api/v1/builds/${buildId}?logs=1`);
      return r.body.logs?.some((l: { line: string }) => l.line === 'sleeping') ? r.body : undefined;
    }, 'the RUN step to print its first line');
    expect(running.status).toBe('running');

    // A viewer may not cancel it (refused and audited).
    const vic = (await trpcMutation(s.server.url, `Bearer ${await tokenFor(s.server.url, ADMIN.email, ADMIN.password)}`, 'users.create', { email: 'vic@example.com', name: 'Vic', password: 'vic-password', role: 'viewer' })).status;
    expect(vic).toBe(200);
    const viewer = api(s.server.url, `Bearer ${await tokenFor(s.server.url, 'vic@example.com', 'vic-password')}`);
    expect((await viewer('POST', `/api/v1/jobs/${running.jobId}/cancel`)).status).toBe(403);

    const cancelled = await admin('POST', `/api/v1/jobs/${running.jobId}/cancel`);
    expect(cancelled.status).toBe(202);
    // It ends long before the 300 s sleep would: the step's container was killed.
    const job = await jobEnd(running.jobId);
    expect(job).toMatchObject({ status: 'cancelled', error: expect.stringContaining('cancelled') });
    const build = (await admin('GET', `/api/v1/builds/${buildId}?logs=1`)).body;
    expect(build.status).toBe('cancelled');
    expect(build.imageId).toBeNull();
    expect(build.logs.map((l: { line: string }) => l.line)).toEqual(['sleeping']);
    expect(build.steps.find((st: { index: number }) => st.index === 2)?.status).toBe('cancelled');

    // Nothing was tagged on the host: not in its store, not in the hub's inventory.
    const images = s.cli.run(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(images.status).toBe(0);
    expect(images.stdout).toContain('busybox:latest');
    expect(images.stdout).not.toContain('cancel-me');
    expect(((await admin('GET', `/api/v1/hosts/${hostId}/images`)).body as { repoTags: string[] }[]).flatMap((i) => i.repoTags)).not.toContain('cancel-me:1');

    // A second cancel finds the job over; the audit has who asked, the refusal, and the build's end.
    expect((await admin('POST', `/api/v1/jobs/${running.jobId}/cancel`)).status).toBe(409);
    const asks = (await admin('GET', '/api/v1/audit?action=job.cancel')).body as { actorName: string; target: string; outcome: string }[];
    expect(asks.map((r) => [r.actorName, r.target, r.outcome])).toEqual([
      [ADMIN.email, 'cancel-me:1', 'success'],
      ['vic@example.com', 'cancel-me:1', 'denied'],
    ]);
    const ended = (await admin('GET', '/api/v1/audit?action=image.build&target=cancel-me')).body as { outcome: string; params: { code?: string } }[];
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ outcome: 'cancelled', params: { code: 'cancelled' } });
  });

  it('aborts a pull stuck on a registry that never answers', async () => {
    // A registry that answers /v2/ and then never sends the manifest.
    stalled = createServer((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => stalled!.listen(0, '127.0.0.1', resolve));
    const port = (stalled.address() as { port: number }).port;
    const started = await admin('POST', `/api/v1/hosts/${hostId}/jobs`, { kind: 'image.pull', ref: `127.0.0.1:${port}/slow/app:1` });
    expect(started.status).toBe(201);
    const id: string = started.body.id;
    await until(async () => (await admin('GET', `/api/v1/jobs/${id}`)).body.status === 'running', 'the pull to start');
    expect((await admin('POST', `/api/v1/jobs/${id}/cancel`)).status).toBe(202);
    expect(await jobEnd(id)).toMatchObject({ status: 'cancelled' });
  });

  it('cancels a running build from the task centre', async () => {
    browser = await launchChromium();
    const page = await signedInPage(browser, s.server.url, ADMIN, { viewport: { width: 1280, height: 800 } });

    const context = tarOf({ Dockerfile: 'FROM busybox:latest\nRUN echo waiting && sleep 300\n' });
    const started = await admin('POST', `/api/v1/hosts/${hostId}/builds?t=ui-cancel:1`, context);
    expect(started.status).toBe(201);
    const tasks = page.getByTestId('tasks');
    const cancel = tasks.getByRole('button', { name: 'Cancel image.build ui-cancel:1' });
    await cancel.waitFor();
    await screenshot(page, 'task-centre-cancel');
    await cancel.click();
    const card = tasks.getByRole('listitem').filter({ hasText: 'ui-cancel:1' });
    await card.getByText('cancelled', { exact: true }).waitFor();
    await expect(card.getByRole('button', { name: /Cancel/ }).count()).resolves.toBe(0);
    const build = (await admin('GET', `/api/v1/builds/${started.body.id}`)).body;
    expect(build).toMatchObject({ status: 'cancelled', imageId: null });
    await page.context().close();
  });

  it('cancels at once a job its offline host never heard of', async () => {
    await s.agent.close();
    await until(async () => (await admin('GET', '/api/v1/hosts')).body[0]?.status === 'offline', 'the host to go offline');
    const started = await admin('POST', `/api/v1/hosts/${hostId}/builds?t=never:1`, tarOf({ Dockerfile: 'FROM busybox:latest\n' }));
    expect(started.status).toBe(201);
    const build = (await admin('GET', `/api/v1/builds/${started.body.id}`)).body;
    expect(build.status).toBe('queued');
    expect((await admin('POST', `/api/v1/jobs/${build.jobId}/cancel`)).status).toBe(202);
    expect((await admin('GET', `/api/v1/jobs/${build.jobId}`)).body).toMatchObject({ status: 'cancelled', error: 'cancelled before it started' });
    expect((await admin('GET', `/api/v1/builds/${started.body.id}`)).body.status).toBe('cancelled');
  });
});
