import type { Kysely } from 'kysely';
import { AgentsRepository, AgentsService } from './agents/index.js';
import { AmrService, pollStatus } from './amr/index.js';
import { QualityAlarms } from './analytics/quality-intervals.js';
import { AuditRepository, AuditService } from './audit/index.js';
import {
  AuthRepository,
  AuthService,
  LoginThrottle,
  type Scope,
  Sessions,
  TokenBuckets,
} from './auth/index.js';
import type { Config } from './config.js';
import { CONSOLE_PAGES } from './console/routes.js';
import type { Database } from './db/database.js';
import type { DB } from './db/schema.js';
import { Events } from './events.js';
import {
  AlarmsService,
  alarmedHomes,
  checkThresholds,
  FaultEvaluator,
  FaultsRepository,
} from './faults/index.js';
import { FleetService } from './fleet/index.js';
import { GatewaysRepository, GatewaysService } from './gateways/index.js';
import { HomeGroupsRepository, HomeGroupsService } from './home-groups/index.js';
import { HomeRecords, HomesRepository, HomesService } from './homes/index.js';
import { InsightsService } from './insights/index.js';
import { IntegrationClientsRepository, IntegrationClientsService } from './integration-clients/index.js';
import { InvitationsRepository, InvitationsService } from './invitations/index.js';
import type { Logger } from './log.js';
import { MailService } from './mail/index.js';
import { NotificationsRepository, NotificationsService } from './notifications/index.js';
import { AgentOnboarding } from './onboarding/index.js';
import { OrdersRepository, OrdersService } from './orders/index.js';
import { PasswordResetsRepository, PasswordResetsService } from './password-resets/index.js';
import { PerformanceService } from './performance/index.js';
import { PortfolioService } from './portfolio/index.js';
import { ProvisioningRepository, ProvisioningService } from './provisioning/index.js';
import { RegionsRepository, RegionsService } from './regions/index.js';
import { ReportsService } from './reports/index.js';
import { TariffsRepository, TariffsService } from './tariffs/index.js';
import {
  ExclusionsRepository,
  ExclusionsService,
  TelemetryQueries,
  TelemetryService,
} from './telemetry/index.js';
import { UsersRepository, UsersService } from './users/index.js';
import { WebhookDeliveryWorker, WebhooksRepository, WebhooksService } from './webhooks/index.js';

/** The services of every feature, wired once per app: routes reach them through `app.ctx`. */
export interface AppContext {
  config: Config;
  database: Database;
  services: {
    agents: AgentsService;
    users: UsersService;
    auth: AuthService;
    audit: AuditService;
    mail: MailService;
    invitations: InvitationsService;
    /** registering an agent with its first admin's invitation (above agents and invitations) */
    onboarding: AgentOnboarding;
    passwordResets: PasswordResetsService;
    homeGroups: HomeGroupsService;
    homes: HomesService;
    provisioning: ProvisioningService;
    gateways: GatewaysService;
    integrationClients: IntegrationClientsService;
    orders: OrdersService;
    telemetry: TelemetryService;
    telemetryQueries: TelemetryQueries;
    exclusions: ExclusionsService;
    performance: PerformanceService;
    insights: InsightsService;
    portfolio: PortfolioService;
    reports: ReportsService;
    amr: AmrService;
    tariffs: TariffsService;
    regions: RegionsService;
    notifications: NotificationsService;
    webhooks: WebhooksService;
    alarms: AlarmsService;
    faultEvaluator: FaultEvaluator;
    fleet: FleetService;
  };
}

export function createContext(config: Config, database: Database, log: Logger): AppContext {
  const { db } = database;
  // What a feature tells the features above it (events.ts); subscribed below as each is made.
  const events = new Events();
  const audit = new AuditService(new AuditRepository(db));
  const mail = new MailService(db, config.mail, log, database.storage);

  // Accounts, and the sessions their changes end. Sessions needs only the token table; the token
  // grants (AuthService) look the accounts up, so they are made after them.
  const authRepo = new AuthRepository(db);
  const loginThrottle = new LoginThrottle(authRepo);
  const sessions = new Sessions(authRepo, config.tokenCacheSeconds);
  const agents = new AgentsService(new AgentsRepository(db), {
    db,
    audit,
    onSuspend: () => sessions.forgetCachedScopes(),
  });
  const homeGroups = new HomeGroupsService(new HomeGroupsRepository(db), { db, audit });
  const groupsExist = (agentId: string, ids: string[], trx: Kysely<DB>) =>
    homeGroups.allExist(agentId, ids, trx);
  const users = new UsersService(new UsersRepository(db), {
    homeGroups,
    db,
    agents,
    audit,
    loginThrottle,
    revokeSessions: (userId, exceptTokenHash) => sessions.endUserSessions(userId, exceptTokenHash),
    forgetCachedScopes: () => sessions.forgetCachedScopes(),
  });
  const integrationClients = new IntegrationClientsService(new IntegrationClientsRepository(db), {
    db,
    audit,
    agents,
    auth: sessions,
  });
  const invitations = new InvitationsService(new InvitationsRepository(db), {
    db,
    mail,
    audit,
    agents,
    users,
    publicUrl: config.publicUrl,
    acceptPath: config.console ? CONSOLE_PAGES.acceptInvitation : '/invitations/accept',
    ttlMs: config.invitationTtlHours * 3_600_000,
    buckets: new TokenBuckets(authRepo),
  });
  agents.addDeletionStep((agentId, trx) => invitations.cancelMailsOfAgent(agentId, trx));
  const onboarding = new AgentOnboarding({ db, agents, invitations });
  const passwordResets = new PasswordResetsService(new PasswordResetsRepository(db), {
    db,
    mail,
    audit,
    agents,
    users,
    buckets: new TokenBuckets(authRepo),
    revokeSessions: (userId) => sessions.revokeUserTokens(userId),
    publicUrl: config.publicUrl,
    confirmPath: config.console ? CONSOLE_PAGES.resetPassword : '/password-resets/confirm',
    ttlMs: config.passwordResetTtl * 1000,
    log,
  });

  // Homes as the features above read them, then what hangs off a home: its gateway, its
  // telemetry, its service definitions; then the homes service itself, which shows all of them.
  const homesRepo = new HomesRepository(db);
  const homeRecords = new HomeRecords(homesRepo, { defaultRegion: config.defaultRegion });
  agents.addDeletionGuard(async (agentId, trx) => {
    const count = await homeRecords.countForAgent(agentId, trx);
    return count > 0 ? `it still has ${count} home${count === 1 ? '' : 's'}` : undefined;
  });
  const gateways = new GatewaysService(new GatewaysRepository(db), {
    db,
    audit,
    agents,
    homes: homeRecords,
    auth: sessions,
  });
  const auth = new AuthService(
    authRepo,
    loginThrottle,
    sessions,
    { users, agents, gateways, integrationClients },
    {
      clients: config.oauthClients,
      accessTokenTtl: config.accessTokenTtl,
      refreshTokenTtl: config.refreshTokenTtl,
    },
  );
  const telemetry = new TelemetryService({ database, homes: homeRecords, events });
  const telemetryQueries = new TelemetryQueries({
    db,
    ...(database.sqlite ? { sqlite: database.sqlite } : {}),
    homes: homeRecords,
    maxPoints: config.amr.maxPoints,
  });
  const exclusions = new ExclusionsService(new ExclusionsRepository(db), {
    db,
    homes: homeRecords,
    telemetry,
    audit,
  });
  const provisioning = new ProvisioningService(new ProvisioningRepository(db), {
    db,
    audit,
    homes: homeRecords,
    gateways,
    checkFaultThresholds: checkThresholds,
    events,
  });
  const homes = new HomesService(homesRepo, {
    db,
    audit,
    provisioning,
    events,
    groupsExist,
    meterStatuses: (homeId, agentId, meters, collection, trx) =>
      telemetryQueries.meterStatuses(homeId, agentId, meters, collection, trx),
    pollHealth: (meterIds, trx) => pollStatus(trx ?? db, meterIds),
    alarmedHomes,
    defaultRegion: config.defaultRegion,
  });
  const orders = new OrdersService(new OrdersRepository(db), { db, audit, homes, provisioning });
  events.on('home.occupant_erased', ({ orderId, trx }) => orders.eraseOccupant(orderId, trx));
  const amr = new AmrService({ config, db, telemetry, gateways, provisioning, homes: homeRecords, log });

  // Prices, regions and the analytics over telemetry.
  const tariffs = new TariffsService(new TariffsRepository(db), { db, audit, agents, homes: homeRecords });
  const regions = new RegionsService(new RegionsRepository(db), {
    db,
    tariffs,
    defaultRegion: config.defaultRegion,
  });
  const faultsRepo = new FaultsRepository(db);
  const qualityAlarms = new QualityAlarms((...span) => faultsRepo.alarmSpans(...span));
  const analytics = { homes: homeRecords, telemetryQueries, qualityAlarms, weather: regions };
  const performance = new PerformanceService(analytics);
  const insights = new InsightsService({ ...analytics, tariffs });
  const reports = new ReportsService({ homes: homeRecords, performance, insights, telemetryQueries });
  const portfolio = new PortfolioService({ ...analytics, agents });

  // Alarm notifications, then the fault evaluator and the alarms it raises.
  const webhooksRepo = new WebhooksRepository(db);
  const webhookWorker = new WebhookDeliveryWorker(webhooksRepo, config.notifications, log, database.storage);
  const webhooks = new WebhooksService(webhooksRepo, {
    db,
    audit,
    agents,
    groupsExist,
    allowPrivateNetworks: config.notifications.allowPrivateNetworks,
    giveUpAfterMs: config.notifications.giveUpAfterMs,
    kick: () => webhookWorker.kick(),
  });
  const notifications = new NotificationsService(new NotificationsRepository(db), {
    db,
    audit,
    agents,
    mail,
    webhooks,
    worker: webhookWorker,
    groupsExist,
    options: config.notifications,
    publicUrl: config.publicUrl,
    log,
  });
  const faultEvaluator = new FaultEvaluator({
    db,
    repo: faultsRepo,
    homes: homeRecords,
    telemetry: telemetryQueries,
    provisioning,
    notifications,
    config: config.faults,
    workerId: amr.workerId,
    log,
    storage: database.storage,
  });
  events.on('readings.stored', ({ homeIds }) => faultEvaluator.touch(homeIds));
  events.on('provisioning.started', ({ trx, homeId, service }) =>
    service === 'fault_management' ? faultEvaluator.startEvaluation(trx, homeId) : undefined,
  );
  const alarms = new AlarmsService(faultsRepo, {
    db,
    audit,
    agents,
    homes: homeRecords,
    evaluator: faultEvaluator,
    provisioning,
    notifications,
  });
  const fleet = new FleetService({ homes: homeRecords, telemetryQueries, alarms, portfolio });
  return {
    config,
    database,
    services: {
      alarms,
      fleet,
      faultEvaluator,
      agents,
      users,
      auth,
      audit,
      mail,
      invitations,
      onboarding,
      passwordResets,
      homeGroups,
      homes,
      provisioning,
      gateways,
      integrationClients,
      orders,
      telemetry,
      telemetryQueries,
      exclusions,
      performance,
      insights,
      portfolio,
      reports,
      amr,
      tariffs,
      regions,
      notifications,
      webhooks,
    },
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
  }
  interface FastifyRequest {
    /** Set by bearer authentication on every non-public /api route. */
    scope: Scope;
  }
}
