// Entry of the lazy chunk shirube-survey.js (build.mjs): hands the survey runner to the
// main bundle's loader (survey-lazy.js).
import { runSurvey } from './survey.js';

window.__shirubeSurvey = runSurvey;
