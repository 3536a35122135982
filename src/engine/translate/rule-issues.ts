import { Issue } from './finding';

/**
 * What is wrong inside one route rule. An unsupported value drops the rule (the route reports
 * PartiallyInvalid, or is not Accepted when no rule is left); an unresolved reference keeps
 * the rule but fails the route's ResolvedRefs and makes the affected traffic an error.
 */
export class RuleIssues {
  readonly unsupported: Issue[] = [];
  readonly unresolved: Issue[] = [];

  unsupportedValue(path: string, message: string, hint: string, implementationSpecific = false): void {
    this.unsupported.push({
      path,
      reason: 'UnsupportedValue',
      message,
      hint,
      premise: implementationSpecific ? { implementationSpecific } : undefined,
    });
  }
}
