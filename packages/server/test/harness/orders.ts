/** A complete order for an air-source heat pump home: what a real installer would submit. */
export function completeOrder(reference: string, overrides: Record<string, unknown> = {}) {
  return {
    reference,
    property: { addressLines: ['1 High Street'], town: 'Llanberis', postcode: 'll55 4ur', country: 'GB' },
    occupant: { name: 'Olive Occupant', email: 'olive@example.com', phone: '+44 1286 000000' },
    installation: {
      technology: 'air_source_heat_pump',
      manufacturer: 'Vaillant',
      model: 'aroTHERM plus 7kW',
      ratedCapacityKw: 7,
      commissioningDate: '2026-10-01',
      mcsCertificateNumber: 'MCS-123456',
      designFlowTemperatureC: 45,
      designSpf: 3.5,
      designHeatLossW: 5200,
      annualHeatDemandKwh: 9800,
    },
    meters: [
      { serial: `HM-${reference}`, kind: 'heat_meter', reading: { method: 'push', intervalSeconds: 60 } },
      {
        serial: `EM-${reference}`,
        kind: 'electricity_meter',
        measures: 'heat_pump',
        reading: { method: 'mqtt' },
      },
      { serial: `TS-${reference}`, kind: 'temperature_sensor', location: 'outdoor' },
    ],
    services: {
      amr: { intervalSeconds: 60 },
      insight: {},
      performance: {},
      fault_management: { recipients: ['alerts@example.com'] },
    },
    ...overrides,
  };
}
