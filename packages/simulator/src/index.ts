/**
 * @hearth/simulator: homes that behave like real ones (weather, house and heat pump physics, meters,
 * injected faults), the ground truth of what they did, and the drivers that feed them through the
 * platform's API: backfill, live streaming, the demo. See docs/simulator.md.
 */
export { type DemoOptions, type DemoRun, type DemoSummary, runDemo } from './demo.js';
export { DEMO_PLACES, demoFleet, demoPlace, type FleetOptions } from './fleet.js';
export * from './model/index.js';
export { type FeedOptions, type FeedTally, feed, MAX_BATCH } from './platform/feed.js';
export {
  type MeterServer,
  type MeterServerOptions,
  type PolledHome,
  serveMeters,
} from './platform/meter-server.js';
export { type Delivery, type OrderOptions, orderFor, serialOf } from './platform/order.js';
export {
  channelSlot,
  gatewayClient,
  gatewayCredentials,
  type ProvisionedHome,
  provisionHome,
} from './platform/provision.js';
export {
  type BatchOutcome,
  httpSink,
  mqttSink,
  type ReadingSink,
  type WireReading,
} from './platform/sinks.js';
export type * from './types.js';
export {
  VARIED_FLEET_DEFAULTS,
  type VariedFleetOptions,
  variedFleet,
  variedHome,
} from './varied-fleet.js';
