// The one list of SDK event types; the same list as server/ingest/events.py. The bundle
// writes the values as literals (engine.js, api.js, features.js, render/): this is the
// vocabulary they must stay within (tests/unit/test_sdk_bundle.py checks it against the server's).
export var EVENTS = Object.freeze({
  PAGE_VIEW: 'page_view',
  TRACK: 'track',
  GUIDE_SEEN: 'guide_seen',
  STEP_SEEN: 'step_seen',
  STEP_COMPLETED: 'step_completed',
  GUIDE_COMPLETED: 'guide_completed',
  GUIDE_DISMISSED: 'guide_dismissed',
  GUIDE_SNOOZED: 'guide_snoozed',
  GUIDE_TARGET_MISSING: 'guide_target_missing',
  SURVEY_ANSWERED: 'survey_answered',
  FEATURE_USED: 'feature_used',
});
