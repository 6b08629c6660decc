import { AgentsRepository } from './agents/repository.js';
import { AgentsService } from './agents/service.js';
import { pollStatus } from './amr/poller.js';
import { AmrService } from './amr/service.js';
import { QualityAlarms } from './analytics/quality-intervals.js';
import { AuditRepository } from './audit/repository.js';
import { AuditService } from './audit/service.js';
import { LoginThrottle, TokenBuckets } from './auth/login-throttle.js';
import { AuthRepository } from './auth/repository.js';
import type { Scope } from './auth/scope.js';
import { AuthService } from './auth/service.js';
import type { Config } from './config.js';
import { CONSOLE_PAGES } from './console/routes.js';
import type { Database } from './db/database.js';
import { FaultEvaluator } from './faults/evaluator.js';
import { alarmedHomes, FaultsRepository } from './faults/repository.js';
import { AlarmsService } from './faults/service.js';
import { FleetService } from './fleet/service.js';
import { GatewaysRepository } from './gateways/repository.js';
import { GatewaysService } from './gateways/service.js';
import { HomeGroupsRepository } from './home-groups/repository.js';
import { HomeGroupsService } from './home-groups/service.js';
import { HomesRepository } from './homes/repository.js';
import { HomesService } from './homes/service.js';
import { InsightsService } from './insights/service.js';
import { IntegrationClientsRepository } from './integration-clients/repository.js';
import { IntegrationClientsService } from './integration-clients/service.js';
import { InvitationsRepository } from './invitations/repository.js';
import { InvitationsService } from './invitations/service.js';
import type { Logger } from './log.js';
import { MailService } from './mail/service.js';
import { NotificationsRepository } from './notifications/repository.js';
import { NotificationsService } from './notifications/service.js';
import { AgentOnboarding } from './onboarding/service.js';
import { OrdersRepository } from './orders/repository.js';
import { OrdersService } from './orders/service.js';
import { PasswordResetsRepository } from './password-resets/repository.js';
import { PasswordResetsService } from './password-resets/service.js';
import { PerformanceService } from './performance/service.js';
import { PortfolioService } from './portfolio/service.js';
import { ProvisioningRepository } from './provisioning/repository.js';
import { ProvisioningService } from './provisioning/service.js';
import { RegionsRepository } from './regions/repository.js';
import { RegionsService } from './regions/service.js';
import { ReportsService } from './reports/service.js';
import { TariffsRepository } from './tariffs/repository.js';
import { TariffsService } from './tariffs/service.js';
import { ExclusionsService } from './telemetry/exclusions.js';
import { ExclusionsRepository } from './telemetry/exclusions-repository.js';
import { TelemetryQueries } from './telemetry/query.js';
import { TelemetryService } from './telemetry/service.js';
import { UsersRepository } from './users/repository.js';
import { UsersService } from './users/service.js';
import { WebhookDeliveryWorker } from './webhooks/delivery.js';
import { WebhooksRepository } from './webhooks/repository.js';
import { WebhooksService } from './webhooks/service.js';

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
  const audit = new AuditService(new AuditRepository(db));
  const mail = new MailService(db, config.mail, log, database.storage);
  const authRepo = new AuthRepository(db);
  const loginThrottle = new LoginThrottle(authRepo);
  // Features that need each other are bound late, through these closures, once all exist.
  let auth: AuthService | undefined;
  let gateways: GatewaysService | undefined;
  let telemetryQueries: TelemetryQueries | undefined;
  const agents = new AgentsService(new AgentsRepository(db), {
    db,
    audit,
    onSuspend: () => auth?.forgetCachedScopes(),
  });
  const homeGroups = new HomeGroupsService(new HomeGroupsRepository(db), { db, audit });
  const users = new UsersService(new UsersRepository(db), {
    homeGroups,
    db,
    agents,
    audit,
    loginThrottle,
    revokeSessions: async (userId, exceptTokenHash) => {
      const family = exceptTokenHash ? (await authRepo.findToken(exceptTokenHash))?.family_id : undefined;
      await (auth as AuthService).revokeUserTokens(userId, family);
    },
    forgetCachedScopes: () => auth?.forgetCachedScopes(),
  });
  auth = new AuthService(
    authRepo,
    loginThrottle,
    users,
    agents,
    {
      clients: config.oauthClients,
      accessTokenTtl: config.accessTokenTtl,
      refreshTokenTtl: config.refreshTokenTtl,
      tokenCacheSeconds: config.tokenCacheSeconds,
    },
    () => gateways as GatewaysService,
    () => integrationClients,
  );
  const integrationClients = new IntegrationClientsService(new IntegrationClientsRepository(db), {
    db,
    audit,
    agents,
    auth: () => auth as AuthService,
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
    revokeSessions: (userId) => (auth as AuthService).revokeUserTokens(userId),
    publicUrl: config.publicUrl,
    confirmPath: config.console ? CONSOLE_PAGES.resetPassword : '/password-resets/confirm',
    ttlMs: config.passwordResetTtl * 1000,
    log,
  });
  let provisioning: ProvisioningService | undefined;
  let orders: OrdersService | undefined;
  let regions: RegionsService | undefined;
  const homes = new HomesService(new HomesRepository(db), {
    db,
    audit,
    provisioning: () => provisioning as ProvisioningService,
    eraseOrderOccupant: (orderId, trx) => (orders as OrdersService).eraseOccupant(orderId, trx),
    groupsExist: (agentId, ids, trx) => homeGroups.allExist(agentId, ids, trx),
    meterStatuses: (homeId, agentId, meters, collection, trx) =>
      (telemetryQueries as TelemetryQueries).meterStatuses(homeId, agentId, meters, collection, trx),
    pollHealth: (meterIds, trx) => pollStatus(trx ?? db, meterIds),
    alarmedHomes,
    defaultRegion: config.defaultRegion,
    regionalWeather: (region, fromDate, toDate) =>
      (regions as RegionsService).dailyMeans(region, fromDate, toDate),
  });
  gateways = new GatewaysService(new GatewaysRepository(db), {
    db,
    audit,
    agents,
    homes: () => homes,
    auth: () => auth as AuthService,
  });
  provisioning = new ProvisioningService(new ProvisioningRepository(db), {
    db,
    audit,
    homes: () => homes,
    gateways: () => gateways as GatewaysService,
    faults: () => faultEvaluator as FaultEvaluator,
  });
  orders = new OrdersService(new OrdersRepository(db), { db, audit, homes, provisioning });
  agents.addDeletionGuard(async (agentId, trx) => {
    const count = await homes.countForAgent(agentId, trx);
    return count > 0 ? `it still has ${count} home${count === 1 ? '' : 's'}` : undefined;
  });
  let faultEvaluator: FaultEvaluator | undefined;
  const telemetry = new TelemetryService({
    database,
    homes: () => homes,
    onStored: (homeIds) => faultEvaluator?.touch(homeIds),
  });
  telemetryQueries = new TelemetryQueries({
    db,
    ...(database.sqlite ? { sqlite: database.sqlite } : {}),
    homes: () => homes,
    maxPoints: config.amr.maxPoints,
  });
  const exclusions = new ExclusionsService(new ExclusionsRepository(db), {
    db,
    homes: () => homes,
    telemetry,
    audit,
  });
  const faultsRepo = new FaultsRepository(db);
  const qualityAlarms = new QualityAlarms((...span) => faultsRepo.alarmSpans(...span));
  const performance = new PerformanceService({
    homes: () => homes,
    telemetryQueries: () => telemetryQueries as TelemetryQueries,
    qualityAlarms: () => qualityAlarms,
  });
  const amr = new AmrService({ config, db, telemetry, gateways, provisioning, homes, log });
  const tariffs = new TariffsService(new TariffsRepository(db), { db, audit, agents, homes: () => homes });
  regions = new RegionsService(new RegionsRepository(db), {
    db,
    tariffs: () => tariffs,
    defaultRegion: config.defaultRegion,
  });
  const insights = new InsightsService({
    homes: () => homes,
    telemetryQueries: () => telemetryQueries as TelemetryQueries,
    tariffs: () => tariffs,
    qualityAlarms: () => qualityAlarms,
  });
  const reports = new ReportsService({
    homes: () => homes,
    performance: () => performance,
    insights: () => insights,
    telemetryQueries: () => telemetryQueries as TelemetryQueries,
  });
  const portfolio = new PortfolioService({
    agents,
    homes: () => homes,
    telemetryQueries: () => telemetryQueries as TelemetryQueries,
    qualityAlarms: () => qualityAlarms,
  });
  const webhooksRepo = new WebhooksRepository(db);
  const webhookWorker = new WebhookDeliveryWorker(webhooksRepo, config.notifications, log, database.storage);
  const webhooks = new WebhooksService(webhooksRepo, {
    db,
    audit,
    agents,
    groupsExist: (agentId, ids, trx) => homeGroups.allExist(agentId, ids, trx),
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
    groupsExist: (agentId, ids, trx) => homeGroups.allExist(agentId, ids, trx),
    options: config.notifications,
    publicUrl: config.publicUrl,
    log,
  });
  const alarms: AlarmsService = new AlarmsService(faultsRepo, {
    db,
    audit,
    agents,
    homes: () => homes,
    evaluator: () => faultEvaluator as FaultEvaluator,
    provisioning,
    notifications: () => notifications,
  });
  faultEvaluator = new FaultEvaluator({
    db,
    repo: faultsRepo,
    homes: () => homes,
    telemetry: telemetryQueries,
    provisioning: () => provisioning as ProvisioningService,
    notifications: () => notifications,
    thresholdsOf: (homeId, agentId) => alarms.thresholdsOf(homeId, agentId),
    config: config.faults,
    workerId: amr.workerId,
    log,
    storage: database.storage,
  });
  const fleet = new FleetService({
    homes: () => homes,
    telemetryQueries: () => telemetryQueries as TelemetryQueries,
    alarms: () => alarms,
    portfolio: () => portfolio,
  });
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
