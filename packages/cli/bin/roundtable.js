#!/usr/bin/env node
// The installed `roundtable` command: runs the compiled CLI, which `npm ci` builds through the root `prepare` script.
import '../dist/main.js';
