import type { HearthClient, RequestOptions, WriteOptions } from '../client.js';
import type {
  CarbonIntensityQuery,
  CarbonIntensitySeries,
  Region,
  SeriesImport,
  WeatherQuery,
  WeatherSeries,
} from '../types.js';

/**
 * `/regions`: the platform's regional series, which homes use by the region in their property
 * (else the platform default): daily mean outdoor temperatures (degree days for homes without an
 * outdoor sensor) and half-hourly grid carbon intensity. Everyone reads them; only the operator
 * loads them. See docs/insight.md and docs/tariffs.md.
 */
export class RegionsResource {
  constructor(private readonly client: HearthClient) {}

  /** Every region with what is loaded for it (the platform default among them). */
  async list(options: RequestOptions = {}): Promise<Region[]> {
    return (await this.client.request('get', '/regions', options)).data.items;
  }

  /**
   * Loads daily weather for a region from CSV text (`date,mean_c`: a local date and its mean
   * outdoor °C), all or nothing: InvalidRequestError lists every bad line (`errors[].field` =
   * `line N`). Dates already loaded take the new mean. Operator only (PermissionError otherwise).
   */
  async putWeather(region: string, csv: string, options: WriteOptions = {}): Promise<SeriesImport> {
    return (
      await this.client.request('put', '/regions/{id}/weather', { ...options, params: { id: region }, csv })
    ).data;
  }

  /** A region's daily means and degree days; `from`/`to` are dates (`to` exclusive). NotFoundError for an unknown region. */
  async getWeather(
    region: string,
    query: WeatherQuery = {},
    options: RequestOptions = {},
  ): Promise<WeatherSeries> {
    return (
      await this.client.request('get', '/regions/{id}/weather', { ...options, params: { id: region }, query })
    ).data;
  }

  /**
   * Loads half-hourly carbon intensity for a region from CSV text (`time,g_per_kwh`: the start of
   * each half hour, RFC 3339 with a zone, and gCO2e/kWh), all or nothing, as putWeather.
   */
  async putCarbonIntensity(region: string, csv: string, options: WriteOptions = {}): Promise<SeriesImport> {
    return (
      await this.client.request('put', '/regions/{id}/carbon-intensity', {
        ...options,
        params: { id: region },
        csv,
      })
    ).data;
  }

  /** A region's half-hourly intensities; `from`/`to` are RFC 3339 times (`to` exclusive). */
  async getCarbonIntensity(
    region: string,
    query: CarbonIntensityQuery = {},
    options: RequestOptions = {},
  ): Promise<CarbonIntensitySeries> {
    return (
      await this.client.request('get', '/regions/{id}/carbon-intensity', {
        ...options,
        params: { id: region },
        query,
      })
    ).data;
  }
}
