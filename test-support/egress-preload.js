'use strict';
// `node --require test-support/egress-preload.js`: the egress guard, installed before the program's first line.
require('./egress-guard.js').install();
