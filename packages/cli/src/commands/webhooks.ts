import {
  type CreateNotificationSubscriptionInput,
  type CreateWebhookInput,
  HearthError,
  type NotificationEventType,
  type NotificationMode,
  type NotificationSubscription,
  PreconditionFailedError,
  type TaggedWebhook,
  type UpdateWebhookInput,
  type Webhook,
  type WebhookDelivery,
  type WebhookDeliveryStatus,
  type WebhookStatus,
  type WebhookWithSecret,
} from '@hearth/client';
import { type Command, Option } from 'commander';
import type { Act } from '../cli.js';
import { type Context, optionsOf, positiveInteger } from '../context.js';
import { UsageError } from '../io.js';
import type { Column } from '../output.js';

const EVENTS: NotificationEventType[] = [
  'alarm.raised',
  'alarm.cleared',
  'alarm.acknowledged',
  'alarm.reopened',
];
const SEVERITIES = ['critical', 'major', 'minor', 'warning'] as const;
type Severity = (typeof SEVERITIES)[number];
const WEBHOOK_STATUSES: WebhookStatus[] = ['active', 'disabled'];
const DELIVERY_STATUSES: WebhookDeliveryStatus[] = ['pending', 'delivered', 'failed'];
const MODES: NotificationMode[] = ['immediate', 'digest'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id checked before anything is sent: a mistyped one is a usage error, not a server round trip. */
function idOf(value: unknown, what: string, where: string): string {
  const id = String(value);
  if (!UUID.test(id)) throw new UsageError(`${id} is not ${what} (a UUID, as \`${where}\` shows)`);
  return id;
}
const webhookIdOf = (value: unknown) => idOf(value, 'a webhook id', 'hearth webhooks list');
const subscriptionIdOf = (value: unknown) => idOf(value, 'a subscription id', 'hearth subscriptions list');
const agentIdOf = (value: unknown) => idOf(value, 'an agent id', 'hearth agents list');

const splitList = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `--severity critical,major`: each checked. */
function severityList(value: string): Severity[] {
  const given = splitList(value);
  if (given.length === 0 || given.some((s) => !SEVERITIES.includes(s as Severity))) {
    throw new UsageError(`--severity takes a comma-separated list of ${SEVERITIES.join(', ')}`);
  }
  return [...new Set(given as Severity[])];
}

/** `--event raised,alarm.cleared`: the `alarm.` prefix may be left out; each checked. */
function eventList(value: string): NotificationEventType[] {
  const given = splitList(value).map((e) => (e.startsWith('alarm.') ? e : `alarm.${e}`));
  if (given.length === 0 || given.some((e) => !EVENTS.includes(e as NotificationEventType))) {
    throw new UsageError(`--event takes a comma-separated list of ${EVENTS.join(', ')}`);
  }
  return [...new Set(given as NotificationEventType[])];
}

/** `--group <id>`, repeatable or comma-separated: home group ids, each checked. */
function groupCollector(value: string, previous: string[] = []): string[] {
  const ids = splitList(value).map((id) => idOf(id, 'a home group id', 'hearth home-groups list'));
  return [...new Set([...previous, ...ids])];
}

/** An ISO time shortened for a table: `2026-11-28 09:00Z`. */
const shortTime = (value: string | null | undefined): string | null =>
  value ? `${value.slice(0, 10)} ${value.slice(11, 16)}Z` : null;

/** A filter list for a table: `all` when it holds every value, `all homes` for no groups. */
const listCell = (values: string[], every: readonly string[]): string =>
  every.every((v) => values.includes(v)) ? 'all' : values.join(',');
const groupsCell = (ids: string[]): string => (ids.length === 0 ? 'all homes' : ids.join(','));

const webhookColumns: Column<Webhook>[] = [
  { header: 'id', value: (w) => w.id },
  { header: 'status', value: (w) => w.status },
  { header: 'url', value: (w) => w.url },
  { header: 'events', value: (w) => listCell(w.events, EVENTS) },
  { header: 'severities', value: (w) => listCell(w.severities, SEVERITIES) },
  { header: 'groups', value: (w) => groupsCell(w.groupIds) },
  { header: 'failures', value: (w) => w.consecutiveFailures },
  { header: 'description', value: (w) => w.description },
];

const webhookFields: Column<Webhook>[] = [
  { header: 'id', value: (w) => w.id },
  { header: 'agent', value: (w) => w.agentId },
  { header: 'url', value: (w) => w.url },
  { header: 'description', value: (w) => w.description },
  { header: 'status', value: (w) => w.status },
  {
    header: 'disabled',
    value: (w) => (w.disabledAt ? `${w.disabledAt}${w.disabledReason ? `: ${w.disabledReason}` : ''}` : null),
  },
  { header: 'events', value: (w) => w.events.join(', ') },
  { header: 'severities', value: (w) => w.severities.join(', ') },
  { header: 'groups', value: (w) => groupsCell(w.groupIds) },
  { header: 'failures', value: (w) => w.consecutiveFailures },
  { header: 'failing since', value: (w) => w.failingSince },
  { header: 'last success', value: (w) => w.lastSuccessAt },
  { header: 'created', value: (w) => w.createdAt },
  { header: 'updated', value: (w) => w.updatedAt },
];

const deliveryColumns: Column<WebhookDelivery>[] = [
  { header: 'id', value: (d) => d.id },
  { header: 'event', value: (d) => d.eventType },
  { header: 'status', value: (d) => d.status },
  { header: 'attempts', value: (d) => d.attempts },
  { header: 'created', value: (d) => shortTime(d.createdAt) },
  {
    header: 'next/delivered',
    value: (d) => shortTime(d.status === 'delivered' ? d.deliveredAt : d.nextAttemptAt),
  },
  { header: 'last answer', value: (d) => d.lastStatus },
  { header: 'last error', value: (d) => d.lastError },
];

const subscriptionColumns: Column<NotificationSubscription>[] = [
  { header: 'id', value: (s) => s.id },
  { header: 'email', value: (s) => s.email },
  { header: 'mode', value: (s) => s.mode },
  { header: 'events', value: (s) => listCell(s.events, EVENTS) },
  { header: 'severities', value: (s) => listCell(s.severities, SEVERITIES) },
  { header: 'groups', value: (s) => groupsCell(s.groupIds) },
  { header: 'last digest', value: (s) => (s.mode === 'digest' ? shortTime(s.lastDigestAt) : null) },
];

/** A webhook for people; with --json the webhook and its ETag. */
function printWebhook(ctx: Context, { webhook, etag }: TaggedWebhook): void {
  if (ctx.out.json) ctx.out.writeJson({ ...webhook, etag: etag ?? null });
  else ctx.out.record(webhook, [...webhookFields, { header: 'etag', value: () => etag }]);
}

/** A webhook with its new secret, and the warning (on stderr) that it is shown only this once. */
function printWithSecret(ctx: Context, webhook: WebhookWithSecret, etag: string | undefined): void {
  if (ctx.out.json) ctx.out.writeJson({ ...webhook, etag: etag ?? null });
  else ctx.out.record(webhook, [...webhookFields, { header: 'secret', value: (w) => w.secret }]);
  ctx.out.note(
    'hearth: store the signing secret now: it is shown only once and cannot be shown again ' +
      '(`hearth webhooks rotate-secret` issues a new one). Verify deliveries with it: docs/notifications.md.',
  );
}

/** A 412 said in the CLI's words: what changed and how to go on. */
function staleWebhook(id: string, ifMatch: string | undefined): (err: unknown) => never {
  return (err) => {
    if (err instanceof PreconditionFailedError) {
      throw new HearthError(
        `webhook ${id} changed since you read it (--if-match ${ifMatch ?? '?'} is stale): ` +
          `run \`hearth webhooks show ${id}\` and try again with its ETag${err.requestId ? `; request id ${err.requestId}` : ''}`,
        err.code,
        { cause: err },
      );
    }
    throw err;
  };
}

interface FilterOptions {
  event?: NotificationEventType[];
  severity?: Severity[];
  group?: string[];
}

const filterOf = (o: FilterOptions) => ({
  ...(o.event ? { events: o.event } : {}),
  ...(o.severity ? { severities: o.severity } : {}),
  ...(o.group ? { groupIds: o.group } : {}),
});

const FILTER_HELP =
  '\nWith no --event, --severity or --group every event of every home of the agent is sent.\n' +
  'Events: raised, cleared, acknowledged, reopened (alarm. may be left out). See docs/notifications.md.';

/** Adds --event, --severity and --group to a command. */
function filterOptions(command: Command): Command {
  return command
    .option('--event <list>', 'event types wanted, comma-separated (default: all)', eventList)
    .option('--severity <list>', 'one or more of critical,major,minor,warning (default: all)', severityList)
    .option(
      '--group <id>',
      'only homes of this home group (repeatable; default: every home)',
      groupCollector,
    );
}

/** `hearth webhooks …` and `hearth subscriptions …`: where alarm events go (docs/notifications.md). */
export function registerWebhooks(program: Command, act: Act): void {
  const webhooks = program
    .command('webhooks')
    .description('webhooks: signed HTTPS POSTs of alarm events to your endpoints, and their delivery logs')
    .addHelpText('after', '\nSigning, retries, automatic disabling: docs/notifications.md.');

  webhooks
    .command('list')
    .description("the agent's webhooks (never their secrets)")
    .addOption(new Option('--status <status>', 'active or disabled').choices(WEBHOOK_STATUSES))
    .option('--agent <id>', "operator: one agent's webhooks")
    .option('--limit <n>', 'at most this many', positiveInteger('--limit'))
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<{ status?: WebhookStatus; agent?: string; limit?: number }>(command);
        const list = (await ctx.client()).webhooks.list({
          ...(o.status ? { status: o.status } : {}),
          ...(o.agent ? { agentId: agentIdOf(o.agent) } : {}),
        });
        ctx.out.table(await list.toArray(o.limit), webhookColumns, 'No webhooks.');
      }),
    );

  webhooks
    .command('show')
    .description('one webhook: its filters, status, why it was disabled (and ETag, for --if-match)')
    .argument('<id>', 'webhook id')
    .action(
      act(async (ctx, _command, id) => {
        printWebhook(ctx, await (await ctx.client()).webhooks.get(webhookIdOf(id)));
      }),
    );

  filterOptions(
    webhooks
      .command('create')
      .description('create a webhook; its signing secret is printed once, never again')
      .requiredOption('--url <url>', 'where deliveries are POSTed (https)')
      .option('--description <text>', 'a note for people: what receives it'),
  )
    .option('--agent <id>', 'operator: the agent it belongs to')
    .addHelpText(
      'after',
      `${FILTER_HELP}\n\nExample: hearth webhooks create --url https://hooks.example.com/hearth --severity critical,major --event raised,cleared`,
    )
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<FilterOptions & { url: string; description?: string; agent?: string }>(command);
        const input: CreateWebhookInput = {
          url: o.url,
          ...(o.description !== undefined ? { description: o.description } : {}),
          ...filterOf(o),
          ...(o.agent ? { agentId: agentIdOf(o.agent) } : {}),
        };
        const { webhook, etag } = await (await ctx.client()).webhooks.create(input);
        printWithSecret(ctx, webhook, etag);
      }),
    );

  filterOptions(
    webhooks
      .command('update')
      .description('change a webhook (the options given); --status active re-enables it')
      .argument('<id>', 'webhook id')
      .addOption(new Option('--status <status>', 'active or disabled').choices(WEBHOOK_STATUSES))
      .option('--url <url>', 'where deliveries are POSTed (https)')
      .option('--description <text>', 'a note for people')
      .option('--no-description', 'remove the description'),
  )
    .option('--every-home', 'send events of every home of the agent (removes the groups)')
    .option('--if-match <etag>', 'refuse (exit 1) if the webhook changed since you read this ETag')
    .addHelpText(
      'after',
      '\nRe-enabling sends the pending deliveries at once. Example: hearth webhooks update <id> --status active',
    )
    .action(
      act(async (ctx, command, id) => {
        const o = optionsOf<
          FilterOptions & {
            status?: WebhookStatus;
            url?: string;
            description?: string | false;
            everyHome?: boolean;
            ifMatch?: string;
          }
        >(command);
        const webhookId = webhookIdOf(id);
        if (o.everyHome && o.group) throw new UsageError('give --group or --every-home, not both');
        const changes: UpdateWebhookInput = {
          ...(o.status ? { status: o.status } : {}),
          ...(o.url !== undefined ? { url: o.url } : {}),
          ...(o.description === false ? { description: null } : {}),
          ...(typeof o.description === 'string' ? { description: o.description } : {}),
          ...filterOf(o),
          ...(o.everyHome ? { groupIds: [] } : {}),
        };
        if (Object.keys(changes).length === 0) {
          throw new UsageError(
            'nothing to change: give --status, --url, --description, --event, --severity or --group',
          );
        }
        const done = await (await ctx.client()).webhooks
          .update(webhookId, changes, o.ifMatch ? { ifMatch: o.ifMatch } : {})
          .catch(staleWebhook(webhookId, o.ifMatch));
        if (ctx.out.json) printWebhook(ctx, done);
        else ctx.out.say(`Updated webhook ${webhookId} (${done.webhook.status}, ${done.webhook.url}).`);
      }),
    );

  webhooks
    .command('delete')
    .description('delete a webhook and its delivery log (pending deliveries are not sent)')
    .argument('<id>', 'webhook id')
    .option('--if-match <etag>', 'refuse (exit 1) if the webhook changed since you read this ETag')
    .action(
      act(async (ctx, command, id) => {
        const o = optionsOf<{ ifMatch?: string }>(command);
        const webhookId = webhookIdOf(id);
        await (await ctx.client()).webhooks
          .delete(webhookId, o.ifMatch ? { ifMatch: o.ifMatch } : {})
          .catch(staleWebhook(webhookId, o.ifMatch));
        if (ctx.out.json) ctx.out.writeJson({ id: webhookId, deleted: true });
        else ctx.out.say(`Deleted webhook ${webhookId}.`);
      }),
    );

  webhooks
    .command('rotate-secret')
    .description('issue a new signing secret, printed once: it signs every attempt from now on')
    .argument('<id>', 'webhook id')
    .action(
      act(async (ctx, _command, id) => {
        const { webhook, etag } = await (await ctx.client()).webhooks.rotateSecret(webhookIdOf(id));
        printWithSecret(ctx, webhook, etag);
      }),
    );

  webhooks
    .command('ping')
    .description('queue a test delivery (event type ping) to check the receiver and its signature check')
    .argument('<id>', 'webhook id')
    .action(
      act(async (ctx, _command, id) => {
        const webhookId = webhookIdOf(id);
        const delivery = await (await ctx.client()).webhooks.ping(webhookId);
        if (ctx.out.json) ctx.out.writeJson(delivery);
        else
          ctx.out.say(
            `Queued ping ${delivery.id} to webhook ${webhookId}: follow it with \`hearth webhooks deliveries ${webhookId}\`.`,
          );
      }),
    );

  webhooks
    .command('deliveries')
    .description("the webhook's delivery log, newest first: status, attempts, last answer or error")
    .argument('<id>', 'webhook id')
    .addOption(new Option('--status <status>', 'pending, delivered or failed').choices(DELIVERY_STATUSES))
    .option('--all', 'every page, not only the first')
    .option('--limit <n>', 'deliveries per page (1-200, default 50)', positiveInteger('--limit'))
    .addHelpText('after', '\n--json adds each delivery’s payload, as sent.')
    .action(
      act(async (ctx, command, id) => {
        const o = optionsOf<{ status?: WebhookDeliveryStatus; all?: boolean; limit?: number }>(command);
        const webhookId = webhookIdOf(id);
        const query = {
          ...(o.status ? { status: o.status } : {}),
          ...(o.limit ? { limit: Math.min(o.limit, 200) } : {}),
        };
        const client = await ctx.client();
        let rows: WebhookDelivery[];
        if (o.all) {
          rows = await client.webhooks.deliveries(webhookId, query).toArray();
        } else {
          const page = await client.webhooks.deliveriesPage(webhookId, query);
          rows = page.items;
          if (page.nextCursor && !ctx.out.json)
            ctx.out.note('More deliveries match: add --all to list them all.');
        }
        ctx.out.table(rows, deliveryColumns, 'No deliveries.');
      }),
    );

  const subscriptions = program
    .command('subscriptions')
    .description('email subscriptions to alarm events: one email per event, or a daily digest')
    .addHelpText('after', '\nSee docs/notifications.md.');

  subscriptions
    .command('list')
    .description("the agent's email subscriptions")
    .addOption(new Option('--mode <mode>', 'immediate or digest').choices(MODES))
    .option('--agent <id>', "operator: one agent's subscriptions")
    .option('--limit <n>', 'at most this many', positiveInteger('--limit'))
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<{ mode?: NotificationMode; agent?: string; limit?: number }>(command);
        const list = (await ctx.client()).notificationSubscriptions.list({
          ...(o.mode ? { mode: o.mode } : {}),
          ...(o.agent ? { agentId: agentIdOf(o.agent) } : {}),
        });
        ctx.out.table(await list.toArray(o.limit), subscriptionColumns, 'No subscriptions.');
      }),
    );

  filterOptions(
    subscriptions
      .command('create')
      .description('subscribe an email address to alarm events')
      .requiredOption('--email <address>', 'who gets the emails')
      .addOption(
        new Option('--mode <mode>', 'immediate: one email per event; digest: one a day')
          .choices(MODES)
          .makeOptionMandatory(),
      ),
  )
    .option('--agent <id>', 'operator: the agent it belongs to')
    .addHelpText(
      'after',
      `${FILTER_HELP}\nDigests go out daily at HEARTH_DIGEST_HOUR in the agent's time zone.\n\n` +
        'Example: hearth subscriptions create --email ops@example.com --mode digest --severity critical,major',
    )
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<FilterOptions & { email: string; mode: NotificationMode; agent?: string }>(
          command,
        );
        const input: CreateNotificationSubscriptionInput = {
          email: o.email,
          mode: o.mode,
          ...filterOf(o),
          ...(o.agent ? { agentId: agentIdOf(o.agent) } : {}),
        };
        const { subscription } = await (await ctx.client()).notificationSubscriptions.create(input);
        if (ctx.out.json) ctx.out.writeJson(subscription);
        else ctx.out.say(`Subscribed ${subscription.email} (${subscription.mode}) as ${subscription.id}.`);
      }),
    );

  subscriptions
    .command('delete')
    .description('delete an email subscription (events waiting for its digest go with it)')
    .argument('<id>', 'subscription id')
    .action(
      act(async (ctx, _command, id) => {
        const subscriptionId = subscriptionIdOf(id);
        await (await ctx.client()).notificationSubscriptions.delete(subscriptionId);
        if (ctx.out.json) ctx.out.writeJson({ id: subscriptionId, deleted: true });
        else ctx.out.say(`Deleted subscription ${subscriptionId}.`);
      }),
    );
}
