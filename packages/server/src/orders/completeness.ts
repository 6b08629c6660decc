import { installationProblems, meterProblems, needer, propertyProblems } from '../homes/index.js';
import type { FieldProblem } from '../http/errors.js';
import type { OrderDocument } from './schemas.js';

export function completenessProblems(order: OrderDocument): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const required = 'is required to submit the order';
  const need = needer(problems, required);
  const { property, installation, meters = [], services } = order;

  need(property, '/body/property');
  if (property) propertyProblems(property, problems, required);

  need(installation, '/body/installation');
  if (installation) installationProblems(installation, problems, required);

  need(services, '/body/services');
  const wanted = services ? Object.keys(services) : [];
  if (services && wanted.length === 0)
    problems.push({ field: '/body/services', message: 'must request at least one service' });
  if (services && wanted.some((s) => s !== 'amr') && !services.amr) {
    problems.push({
      field: '/body/services/amr',
      message: 'is required: insight, performance and fault management need telemetry',
    });
  }
  if (services?.amr)
    need(order.meters, '/body/meters', 'must list at least one meter for automated meter reading');

  const serials = new Set<string>();
  meters.forEach((meter, i) => {
    const at = `/body/meters/${i}`;
    if (serials.has(meter.serial))
      problems.push({ field: `${at}/serial`, message: `repeats the serial ${meter.serial}` });
    serials.add(meter.serial);
    problems.push(...meterProblems(meter, at));
  });
  if (services?.performance) {
    if (!meters.some((m) => m.kind === 'heat_meter')) {
      problems.push({ field: '/body/meters', message: 'performance needs a heat meter' });
    }
    if (!meters.some((m) => m.kind === 'electricity_meter')) {
      problems.push({ field: '/body/meters', message: 'performance needs an electricity meter' });
    }
  }
  return problems;
}
