import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import { createAgents } from './agents/index.js';
import { AmrService, pollStatus } from './amr/index.js';
import { createAudit } from './audit/index.js';
import { createAuth, type Scope } from './auth/index.js';
import type { Config } from './config.js';
import { CONSOLE_PAGES } from './console/routes.js';
import type { Database } from './db/database.js';
import type { DB } from './db/schema.js';
import { Events } from './events.js';
import { alarmedHomes, checkThresholds, createFaults } from './faults/index.js';
import { createFleet } from './fleet/index.js';
import { createGateways } from './gateways/index.js';
import { createHomeGroups } from './home-groups/index.js';
import { createHomes } from './homes/index.js';
import { createInsights } from './insights/index.js';
import { createIntegrationClients } from './integration-clients/index.js';
import { createInvitations } from './invitations/index.js';
import type { Logger } from './log.js';
import { MailService } from './mail/index.js';
import { createNotifications } from './notifications/index.js';
import { AgentOnboarding } from './onboarding/index.js';
import { createOrders } from './orders/index.js';
import { createPasswordResets } from './password-resets/index.js';
import { createPerformance } from './performance/index.js';
import { createPortfolio } from './portfolio/index.js';
import { createProvisioning } from './provisioning/index.js';
import { createRegions } from './regions/index.js';
import { createReports } from './reports/index.js';
import { createTariffs } from './tariffs/index.js';
import { createTelemetry } from './telemetry/index.js';
import { createUsers } from './users/index.js';
import { createWebhooks } from './webhooks/index.js';

/**
 * The services of every feature, wired once per app (createContext): routes reach them through
 * `app.ctx.services`, and `routes` are the API's route plugins in the order the document lists them.
 */
export type AppContext = ReturnType<typeof createContext>;

/**
 * Wires the features from the bottom up: each factory is given what it depends on, which exists by
 * then; what a lower feature must tell a higher one goes through `events`, subscribed where the
 * higher one is made. No feature is bound late.
 */
export function createContext(config: Config, database: Database, log: Logger) {
  const { db } = database;
  // What a feature tells the features above it (events.ts); subscribed below as each is made.
  const events = new Events();
  const { service: audit, routes: auditRoutes } = createAudit(db);
  const mail = new MailService(db, config.mail, log, database.storage);

  // Accounts, and the sessions their changes end; the token grants over them come after them.
  const authParts = createAuth(db, { tokenCacheSeconds: config.tokenCacheSeconds });
  const { sessions } = authParts;
  const { service: agents, routes: agentsRoutes } = createAgents({
    db,
    audit,
    onSuspend: () => sessions.forgetCachedScopes(),
  });
  const { service: homeGroups, routes: homeGroupsRoutes } = createHomeGroups({ db, audit });
  const groupsExist = (agentId: string, ids: string[], trx: Kysely<DB>) =>
    homeGroups.allExist(agentId, ids, trx);
  const { service: users, routes: usersRoutes } = createUsers({
    homeGroups,
    db,
    agents,
    audit,
    loginThrottle: authParts.loginThrottle,
    revokeSessions: (userId, exceptTokenHash) => sessions.endUserSessions(userId, exceptTokenHash),
    forgetCachedScopes: () => sessions.forgetCachedScopes(),
  });
  const { service: integrationClients, routes: integrationClientsRoutes } = createIntegrationClients({
    db,
    audit,
    agents,
    auth: sessions,
  });
  const { service: invitations, routes: invitationsRoutes } = createInvitations({
    db,
    mail,
    audit,
    agents,
    users,
    publicUrl: config.publicUrl,
    acceptPath: config.console ? CONSOLE_PAGES.acceptInvitation : '/invitations/accept',
    ttlMs: config.invitationTtlHours * 3_600_000,
    buckets: authParts.tokenBuckets(),
  });
  agents.addDeletionStep((agentId, trx) => invitations.cancelMailsOfAgent(agentId, trx));
  const onboarding = new AgentOnboarding({ db, agents, invitations });
  const { service: passwordResets, routes: passwordResetsRoutes } = createPasswordResets({
    db,
    mail,
    audit,
    agents,
    users,
    buckets: authParts.tokenBuckets(),
    revokeSessions: (userId) => sessions.revokeUserTokens(userId),
    publicUrl: config.publicUrl,
    confirmPath: config.console ? CONSOLE_PAGES.resetPassword : '/password-resets/confirm',
    ttlMs: config.passwordResetTtl * 1000,
    log,
  });

  // Homes as the features above read them, then what hangs off a home: its gateway, its
  // telemetry, its service definitions; then the homes service itself, which shows all of them.
  const homeParts = createHomes(db, { defaultRegion: config.defaultRegion, agents });
  const homeRecords = homeParts.records;
  agents.addDeletionGuard(async (agentId, trx) => {
    const count = await homeRecords.countForAgent(agentId, trx);
    return count > 0 ? `it still has ${count} home${count === 1 ? '' : 's'}` : undefined;
  });
  const { service: gateways, routes: gatewaysRoutes } = createGateways({
    db,
    audit,
    agents,
    homes: homeRecords,
    auth: sessions,
  });
  const auth = authParts.grants(
    { users, agents, gateways, integrationClients },
    {
      clients: config.oauthClients,
      accessTokenTtl: config.accessTokenTtl,
      refreshTokenTtl: config.refreshTokenTtl,
    },
  );
  const { service: provisioning, routes: provisioningRoutes } = createProvisioning({
    db,
    audit,
    homes: homeRecords,
    gateways,
    checkFaultThresholds: checkThresholds,
    events,
  });
  const telemetryParts = createTelemetry({
    database,
    ...(database.sqlite ? { sqlite: database.sqlite } : {}),
    homes: homeRecords,
    agents,
    provisioning,
    events,
    audit,
    maxPoints: config.amr.maxPoints,
  });
  const { service: telemetry, queries: telemetryQueries, exclusions } = telemetryParts;
  const { service: homes, routes: homesRoutes } = homeParts.withViews({
    audit,
    provisioning,
    events,
    groups: homeGroups,
    meterStatuses: (homeId, agentId, meters, collection, trx) =>
      telemetryQueries.meterStatuses(homeId, agentId, meters, collection, trx),
    pollHealth: (meterIds, trx) => pollStatus(trx ?? db, meterIds),
    alarmedHomes,
  });
  const { service: orders, routes: ordersRoutes } = createOrders({ db, audit, homes, provisioning });
  events.on('home.occupant_erased', ({ orderId, trx }) => orders.eraseOccupant(orderId, trx));
  const amr = new AmrService({ config, db, telemetry, gateways, provisioning, homes: homeRecords, log });

  // Prices, regions and the analytics over telemetry.
  const { service: tariffs, routes: tariffsRoutes } = createTariffs({
    db,
    audit,
    agents,
    homes: homeRecords,
  });
  const { service: regions, routes: regionsRoutes } = createRegions({
    db,
    tariffs,
    defaultRegion: config.defaultRegion,
  });
  const faultParts = createFaults(db);
  const analytics = {
    homes: homeRecords,
    telemetryQueries,
    qualityAlarms: faultParts.qualityAlarms,
    weather: regions,
  };
  const { service: performance, routes: performanceRoutes } = createPerformance(analytics);
  const { service: insights, routes: insightRoutes } = createInsights({ ...analytics, tariffs });
  const { service: reports, routes: reportsRoutes } = createReports({
    homes: homeRecords,
    performance,
    insights,
    telemetryQueries,
  });
  const { service: portfolio, routes: portfolioRoutes } = createPortfolio({ ...analytics, agents });

  // Alarm notifications, then the fault evaluator and the alarms it raises.
  const {
    service: webhooks,
    routes: webhooksRoutes,
    worker: webhookWorker,
  } = createWebhooks({
    db,
    audit,
    agents,
    groupsExist,
    options: config.notifications,
    log,
    storage: database.storage,
  });
  const { service: notifications, routes: notificationsRoutes } = createNotifications({
    db,
    audit,
    agents,
    mail,
    webhooks,
    worker: webhookWorker,
    groupsExist,
    provisioning,
    options: config.notifications,
    publicUrl: config.publicUrl,
    log,
  });
  const {
    evaluator: faultEvaluator,
    alarms,
    routes: faultsRoutes,
  } = faultParts.evaluation({
    audit,
    agents,
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
  const { service: fleet, routes: fleetRoutes } = createFleet({
    homes: homeRecords,
    telemetryQueries,
    alarms,
    portfolio,
  });
  return {
    config,
    database,
    // in the order the API document lists them
    routes: <FastifyPluginAsync[]>[
      usersRoutes,
      agentsRoutes,
      invitationsRoutes,
      passwordResetsRoutes,
      auditRoutes,
      ordersRoutes,
      homesRoutes,
      fleetRoutes,
      provisioningRoutes,
      gatewaysRoutes,
      homeGroupsRoutes,
      ...telemetryParts.routes,
      tariffsRoutes,
      performanceRoutes,
      insightRoutes,
      portfolioRoutes,
      faultsRoutes,
      webhooksRoutes,
      notificationsRoutes,
      reportsRoutes,
      regionsRoutes,
      integrationClientsRoutes,
    ],
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
