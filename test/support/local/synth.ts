/** Synthesizes a CDK app into a fresh directory under the OS temp dir (TMPDIR is inside the checkout in tests). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';

/** Assemblies made here; the local cloud serving one removes it when it closes. */
export const synthesized = new Set<string>();

/** Builds an app with `build`, synthesizes it, and returns the cloud assembly's directory. */
export function synthesize(build: (app: App) => void): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'assembly-'));
  synthesized.add(outdir);
  const app = new App({ outdir });
  build(app);
  app.synth();
  return outdir;
}
