import { ConfigError, type ConfigIssue } from '@redgrid/core';

/**
 * The problems of a duration given as `<name>Ms` or through its deprecated `<name>Seconds` twin:
 * each must be a finite number >= 0, and only one of them may be given.
 */
export function durationIssues(
  ms: number | undefined,
  seconds: number | undefined,
  msName: string,
  secondsName: string,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (ms !== undefined && (!Number.isFinite(ms) || ms < 0)) {
    issues.push({ variable: msName, message: `must be a finite number of ms >= 0, got ${ms}` });
  }
  if (seconds !== undefined && (!Number.isFinite(seconds) || seconds < 0)) {
    issues.push({
      variable: secondsName,
      message: `must be a finite number of seconds >= 0, got ${seconds}`,
    });
  }
  if (ms !== undefined && seconds !== undefined) {
    issues.push({
      variable: secondsName,
      message: `give ${msName} or the deprecated ${secondsName}, not both`,
    });
  }
  return issues;
}

/**
 * A duration in ms from `<name>Ms` or its deprecated `<name>Seconds` twin (converted), else
 * `fallbackMs`. Throws `ConfigError` naming the option when it is invalid or both are given.
 */
export function durationMs(
  ms: number | undefined,
  seconds: number | undefined,
  fallbackMs: number,
  msName: string,
  secondsName: string,
): number {
  if (ms === undefined && seconds === undefined) return fallbackMs;
  const issues = durationIssues(ms, seconds, msName, secondsName);
  if (issues.length > 0) throw new ConfigError(issues);
  return ms ?? (seconds ?? 0) * 1000;
}
