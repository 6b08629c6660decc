/**
 * What a heat pump's COP can be over a day, and its SPF over longer: outside these the figure is a
 * metering fault, not performance, and is withheld. The daily bounds are the implausible_cop rule's
 * (faults/rules/performance.ts, docs/faults.md); over a week or more the weather and the hot water
 * average out, and published field trials (heatpumpmonitor.org's systems, the UK RHPP and EoH
 * trials) sit between about 2 and 5.5.
 */
export const PLAUSIBLE_DAILY_COP = { min: 0.75, max: 7.5 } as const;
export const PLAUSIBLE_SPF = { min: 1.5, max: 6 } as const;
