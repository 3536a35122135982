#!/usr/bin/env node
// Prints the one closing line CI reads, `N passed, M failed`, from a jest --json report.
// Plain JavaScript on purpose: it must still run when the TypeScript build is broken.
'use strict';

const fs = require('fs');

const reportPath = process.argv[2];
if (!reportPath) {
  console.error('usage: jest-summary.js <jest-json-report>');
  process.exit(2);
}

let report;
try {
  report = JSON.parse(fs.readFileSync(reportPath, 'utf8'));
} catch (err) {
  // No report means jest never ran (install or compile failed first); the line still has
  // to close the log, and CI fails on the exit code.
  console.error(`jest-summary: no usable jest report at ${reportPath} (${err.message})`);
  console.log('0 passed, 0 failed');
  process.exit(1);
}

// A suite that cannot even load (syntax or import error) reports zero failed tests, so it
// is counted as one failure: otherwise a broken test file would read as "0 failed".
const failed = report.numFailedTests + report.numRuntimeErrorTestSuites;
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`${report.numPassedTests} passed, ${failed} failed` + (skipped > 0 ? `, ${skipped} skipped` : ''));
process.exit(report.success ? 0 : 1);
