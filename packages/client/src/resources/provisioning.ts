import type { HearthClient, RequestOptions, WriteOptions } from '../client.js';
import type { CreateProvisioningInput, ProvisioningDefinition, UpdateProvisioningInput } from '../types.js';

/** `/homes/{id}/provisioning`: a home's service provisioning definitions (amr, insight, performance, faults). */
export class ProvisioningResource {
  constructor(private readonly client: HearthClient) {}

  async list(homeId: string, options: RequestOptions = {}): Promise<ProvisioningDefinition[]> {
    return (
      await this.client.request('get', '/homes/{id}/provisioning', { ...options, params: { id: homeId } })
    ).data.items;
  }

  async get(
    homeId: string,
    provisioningId: string,
    options: RequestOptions = {},
  ): Promise<ProvisioningDefinition> {
    return (
      await this.client.request('get', '/homes/{id}/provisioning/{provisioningId}', {
        ...options,
        params: { id: homeId, provisioningId },
      })
    ).data;
  }

  /** Adds a service to a home (admin, editor). */
  async add(
    homeId: string,
    input: CreateProvisioningInput,
    options: RequestOptions = {},
  ): Promise<ProvisioningDefinition> {
    return (
      await this.client.request('post', '/homes/{id}/provisioning', {
        ...options,
        params: { id: homeId },
        body: input,
      })
    ).data;
  }

  /** Changes a service's settings, or suspends or resumes it (`status`). */
  async update(
    homeId: string,
    provisioningId: string,
    input: UpdateProvisioningInput,
    options: WriteOptions = {},
  ): Promise<ProvisioningDefinition> {
    return (
      await this.client.request('put', '/homes/{id}/provisioning/{provisioningId}', {
        ...options,
        params: { id: homeId, provisioningId },
        body: input,
      })
    ).data;
  }

  /** Removes a service from a home (amr last). */
  async remove(homeId: string, provisioningId: string, options: WriteOptions = {}): Promise<void> {
    await this.client.request('delete', '/homes/{id}/provisioning/{provisioningId}', {
      ...options,
      params: { id: homeId, provisioningId },
    });
  }
}
