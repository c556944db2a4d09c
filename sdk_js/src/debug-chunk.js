// Entry of the lazy chunk shirube-debug.js: hands the formatter to log.js.
import { explain } from './debug.js';

window.__shirubeDebug = explain;
