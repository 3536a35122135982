/**
 * The results file that ties the jest run to docs/conformance.md: the scenario suite writes
 * it, scripts/conformance-report.ts reads it. Kept apart from both so neither imports the other.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const RESULTS_FILE = process.env.CONFORMANCE_RESULTS
  ? path.resolve(process.env.CONFORMANCE_RESULTS)
  : path.join(os.tmpdir(), 'cdk8s-gateway-conformance-results.json');

export interface CheckResult {
  readonly name: string;
  readonly passed: boolean;
  readonly message?: string;
}

export interface TestResult {
  readonly shortName: string;
  readonly status: 'passed' | 'failed' | 'not run';
  readonly reason?: string;
  readonly checks: CheckResult[];
}

export interface ResultsFile {
  readonly generatedAt: string;
  readonly controllerName: string;
  readonly tests: TestResult[];
}

/** Collects one entry per upstream test; a test passes only when every one of its checks did. */
export class Recorder {
  private readonly checks = new Map<string, CheckResult[]>();
  private readonly notRun = new Map<string, string>();

  record(shortName: string, check: CheckResult): void {
    const list = this.checks.get(shortName) ?? [];
    list.push(check);
    this.checks.set(shortName, list);
  }

  skip(shortName: string, reason: string): void {
    this.notRun.set(shortName, reason);
  }

  write(controllerName: string, file = RESULTS_FILE): void {
    const tests: TestResult[] = [
      ...[...this.checks].map(([shortName, checks]) => ({
        shortName,
        status: checks.every(c => c.passed) ? 'passed' as const : 'failed' as const,
        checks,
      })),
      ...[...this.notRun].filter(([name]) => !this.checks.has(name)).map(([shortName, reason]) => ({
        shortName, status: 'not run' as const, reason, checks: [],
      })),
    ].sort((a, b) => a.shortName.localeCompare(b.shortName));
    const results: ResultsFile = { generatedAt: new Date().toISOString(), controllerName, tests };
    fs.writeFileSync(file, `${JSON.stringify(results, undefined, 2)}\n`);
  }
}
