// MonetizedApi as the example app uses it: JWT callers, three tiers as usage plans (a route closed on the free
// tier), alarm e-mails, HTTP backends.
import { App, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { ApiAuthorization, MonetizedApi } from 'cdk-apigateway-patterns';

export class MonetizedStack extends Stack {
  public readonly api: MonetizedApi;

  public constructor(app: App, id: string) {
    super(app, id);
    this.api = new MonetizedApi(this, 'Weather', {
      authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['weather'] }),
      tiers: [
        {
          name: 'free',
          throttle: { rateLimit: 5, burstLimit: 10 },
          quota: { limit: 1_000, period: apigateway.Period.MONTH },
          routeThrottles: { 'GET /forecasts/bulk': { rateLimit: 0, burstLimit: 0 } },
        },
        { name: 'pro', throttle: { rateLimit: 500, burstLimit: 1_000 }, quota: { limit: 10_000_000, period: apigateway.Period.MONTH } },
      ],
      observability: { alarmEmails: ['weather-oncall@example.com'] },
    });
    const backend = (path: string): apigateway.HttpIntegration =>
      new apigateway.HttpIntegration(`https://weather.internal.example.com${path}`, { proxy: true });
    this.api.addRoute('GET', '/forecasts', backend('/forecasts'));
    this.api.addRoute('GET', '/forecasts/bulk', backend('/forecasts/bulk'));
  }
}
