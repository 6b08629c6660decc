import type { HearthClient, RequestOptions } from '../client.js';
import type { MonthlyReport, MonthlyReportQuery } from '../types.js';

/** How a report is wanted: the JSON document, or the printable HTML page. */
export type ReportFormat = 'json' | 'html';

export type MonthlyReportOptions = MonthlyReportQuery & RequestOptions & { format?: ReportFormat };

/** `/homes/{id}/reports/*`: documents an installer can send (docs/reports.md). */
export class ReportsResource {
  constructor(private readonly client: HearthClient) {}

  /**
   * A home's monthly performance report for `month` (`YYYY-MM` in the agent's local calendar;
   * default the current month, to date). `format: 'html'` gives a self-contained printable A4 page
   * as text (save it and print to PDF); `'json'` (the default) the document: the month's
   * performance and insight as their own calls state them, the home and its installation, and the
   * coverage and gaps of each meter. `period` (`week` or `day`) chooses the COP table's rows.
   * Raises InvalidRequestError for a malformed month, one not begun or before the home was
   * monitored, and NotFoundError for a home you cannot see.
   */
  monthly(
    homeId: string,
    month: string | undefined,
    options: MonthlyReportOptions & { format: 'html' },
  ): Promise<string>;
  monthly(
    homeId: string,
    month?: string,
    options?: MonthlyReportOptions & { format?: 'json' },
  ): Promise<MonthlyReport>;
  async monthly(
    homeId: string,
    month?: string,
    options: MonthlyReportOptions = {},
  ): Promise<MonthlyReport | string> {
    const { format = 'json', signal, headers, ...query } = options;
    const { data } = await this.client.request('get', '/homes/{id}/reports/monthly', {
      ...(signal ? { signal } : {}),
      headers: { ...headers, accept: format === 'html' ? 'text/html' : 'application/json' },
      params: { id: homeId },
      query: { ...query, ...(month !== undefined ? { month } : {}) },
    });
    if (format === 'html') return typeof data === 'string' ? data : '';
    return data as MonthlyReport;
  }
}
