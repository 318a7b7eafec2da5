// A small typed client of the example's orders API, compiled strictly against the types openapi-typescript
// generates from the exported OpenAPI document (./orders-api.d.ts, written by scripts/release/openapi-client.ts).
// A route, parameter, body schema or error shape the export loses or renames fails this compile.
import type { components, operations, paths } from './orders-api';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
export type ApiError = Json<components['responses']['Error']>;
export type NewOrder = Json<operations['postOrders']['requestBody']>;
type OrderId = operations['getOrdersById']['parameters']['path']['id'];

/** The routes this client calls, each present in the exported document. */
export const ROUTES = {
  listOrders: '/orders',
  createOrder: '/orders',
  getOrder: '/orders/{id}',
  deleteOrder: '/admin/orders/{id}',
} as const satisfies Record<string, keyof paths>;

export class OrdersClient {
  public constructor(private readonly baseUrl: string, private readonly token: () => Promise<string>) {}

  public async listOrders(): Promise<Response> {
    return this.call('GET', ROUTES.listOrders);
  }

  public async createOrder(order: NewOrder): Promise<Response> {
    return this.call('POST', ROUTES.createOrder, JSON.stringify(order));
  }

  public async getOrder(id: OrderId): Promise<Response> {
    return this.call('GET', ROUTES.getOrder.replace('{id}', encodeURIComponent(id)));
  }

  /** The error body every non-2xx answer of the API carries (gateway responses included). */
  public static async errorOf(response: Response): Promise<ApiError> {
    const body = (await response.json()) as ApiError;
    return { message: body.message, requestId: body.requestId };
  }

  private async call(method: string, path: string, body?: string): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      body,
      headers: { 'authorization': `Bearer ${await this.token()}`, 'content-type': 'application/json' },
    });
  }
}

export const sample: NewOrder = { sku: 'A-1', quantity: 2 };
