/**
 * JWT authorizer: verifications per second of the authorizer's decision on a REST REQUEST event (token extraction,
 * prechecks, aws-jwt-verify, token use, scope checks, route lookup in a 1,000-route map, policy building) with a
 * warm JWKS, as a ratio to calling aws-jwt-verify directly in the same run; and the size of the built bundle.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import { decide } from '../src/runtime/jwt/authorize';
import { parseConfig } from '../src/runtime/jwt/config';
import { ROUTES_FILE_PATH, renderRouteConfig } from '../src/runtime/jwt/routes';
import { createVerifier } from '../src/runtime/jwt/verify';
import { AUDIENCE, ISSUER, claims, requestEvent, rsaKey, sign } from '../test/handlers/support/jwt';
import type { BenchResult } from './index';

const JWKS_URI = 'https://login.example.com/.well-known/jwks.json';
const ITERATIONS = 3000;
const ROUNDS = 11;

/** Operations per second of wall time and of this process's CPU time (steadier on a shared machine). */
async function perSecond(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) await fn();
  const used = process.cpuUsage(cpu);
  return { wall: ITERATIONS / (Number(process.hrtime.bigint() - started) / 1e9), cpu: ITERATIONS / ((used.user + used.system) / 1e6) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export async function run(): Promise<BenchResult> {
  const key = rsaKey();
  const token = sign(claims(), key);
  const warmCache = () => {
    const cache = new SimpleJwksCache();
    cache.addJwks(JWKS_URI, { keys: [key.jwk as never] });
    return cache;
  };
  // A 1,000-route map (50 scope sets); the benchmarked request is routed to one of its routes.
  const routes = Array.from({ length: 1000 }, (_, i) => ({ method: 'GET', path: `/r${i}/{id}`, scopes: [`s${i % 50}`] }));
  routes.push({ method: 'GET', path: '/orders/{id}', scopes: ['orders:read'] });
  const config = parseConfig(
    { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_JWKS_URI: JWKS_URI, JWT_ROUTES_FILE: ROUTES_FILE_PATH },
    () => renderRouteConfig(routes),
  );
  const ours = createVerifier(config, warmCache());
  const direct = JwtVerifier.create({ issuer: ISSUER, audience: AUDIENCE, jwksUri: JWKS_URI }, { jwksCache: warmCache() });
  const event = requestEvent(`Bearer ${token}`, 'GET', '/orders/{id}', '/orders/7');
  const check = await decide(event, config, ours);
  if (!('policy' in check)) throw new Error('benchmark token was rejected');

  const handlerRates: Array<{ wall: number; cpu: number }> = [];
  const directRates: Array<{ wall: number; cpu: number }> = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate the order so neither side always runs on a warmer process.
    if (r % 2 === 0) {
      directRates.push(await perSecond(() => direct.verify(token)));
      handlerRates.push(await perSecond(() => decide(event, config, ours)));
    } else {
      handlerRates.push(await perSecond(() => decide(event, config, ours)));
      directRates.push(await perSecond(() => direct.verify(token)));
    }
  }
  const handler = median(handlerRates.map((h) => h.wall));
  const baseline = median(directRates.map((d) => d.wall));
  // Each round measures both back to back: the median of the per-round ratios cancels most machine noise.
  const ratio = median(handlerRates.map((h, i) => h.wall / directRates[i].wall));
  const cpuRatio = median(handlerRates.map((h, i) => h.cpu / directRates[i].cpu));
  const bundle = path.join(__dirname, '..', 'assets', 'authorizers', 'jwt-authorizer.lambda', 'index.js');
  const bundleKb = fs.existsSync(bundle) ? fs.statSync(bundle).size / 1024 : NaN;
  return {
    title: `JWT authorizer, warm JWKS (${ROUNDS} rounds x ${ITERATIONS} verifications each side, interleaved)`,
    columns: ['measure', 'value', 'goal'],
    rows: [
      ['aws-jwt-verify directly (verifications/s)', Math.round(baseline), ''],
      ['authorizer decision (verifications/s)', Math.round(handler), ''],
      ['authorizer / direct (median of per-round ratios)', Number(ratio.toFixed(3)), '>= 0.9 (overhead < 10 %)'],
      ['overhead %', Number(((1 - ratio) * 100).toFixed(1)), '< 10'],
      ['authorizer / direct in CPU time (median of per-round ratios)', Number(cpuRatio.toFixed(3)), '>= 0.9'],
      ['bundle size (KB, minified)', Number(bundleKb.toFixed(1)), '< 28 (JwtVerifier and CognitoJwtVerifier)'],
    ],
  };
}
