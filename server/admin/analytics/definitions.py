"""The "How is this computed?" text next to each figure: METRICS.md, section by section.

Wording follows ../shared/METRICS.md (and docs/metrics.md where the definition was made
exact); when either changes, change the text here too. Shown through `_()`.
"""

from __future__ import annotations

from ..i18n import N_

DEFS: dict[str, str] = {
    "active": N_("Active = any event of the user (or carrying the account id) on a day of "
                 "the period. Days are UTC days, both ends included."),
    "stickiness": N_("Stickiness = average DAU / MAU over the period: for each day, users "
                     "active that day divided by users active in the 30 days ending that "
                     "day, averaged over the days with any monthly user."),
    "tiers": N_("Usage tier (per user, the 30 days ending on the period's last day): daily "
                "= active on 13 days or more, weekly = 5–12, monthly = 1–4, dormant = 0."),
    "adoption": N_("Adoption rate = distinct users who used the feature in the period / "
                   "distinct active users in the period. Account level: share of active "
                   "accounts with at least one user using it. Use = a feature_used event "
                   "named by the feature's key."),
    "first_use": N_("Time to first use: median days from the user's first activity (or "
                    "created_at trait) to the first use of the feature, for users whose "
                    "first use is in the period."),
    "breadth": N_("Breadth: the number of distinct tagged features a user or account used "
                  "in the period."),
    "funnel": N_("Views: distinct users with a guide_seen event. Step funnel: for step i, "
                 "distinct users who saw step i; drop-off = 1 − seen(i+1)/seen(i). "
                 "Completion rate = users with guide_completed / users with guide_seen; "
                 "dismiss rate the same with guide_dismissed."),
    "lift": N_("Goal conversion: share of users who did the goal event within N days "
               "(default 7) after first seeing the guide; a goal event before the first "
               "view does not count. Lift = conversion(shown) − conversion(holdout), the "
               "holdout being the users the guide was withheld from by a stable hash of "
               "user id + guide key. 95%% interval: difference of proportions, normal "
               "approximation. Both group sizes are shown so nobody reads noise as lift."),
    "nps": N_("NPS question 0–10. Promoters 9–10, passives 7–8, detractors 0–6. NPS = "
              "%%promoters − %%detractors, an integer from −100 to +100. The score for a "
              "period uses each user's most recent answer in it. 95%% margin of error: "
              "1.96 · √((p⁺ + p⁻ − s²) / n) · 100 with p⁺, p⁻ the promoter and detractor "
              "shares and s = p⁺ − p⁻. Below n = 400 the score is not yet stable."),
    "rfm": N_("RFM per user over 90 days: Recency = days since last activity, Frequency = "
              "active days in the window, Monetary = the mrr trait (of the account when "
              "grouped). Each scored 1–5 by quintile within the environment (5 = most "
              "recent, most frequent, highest); named segments from R and the average of F "
              "and M."),
    "matrix": N_("Six cells: profitability × NPS category. High profitability = monetary "
                 "value at or above the environment's threshold (default: the median). "
                 "A/B/C = high and promoter/passive/detractor, D/E/F = low. Users with an "
                 "NPS answer."),
    "lifecycle": N_("Get: first activity within the last 14 days, onboarding not "
                    "completed. Build: onboarding done or past 14 days, active in fewer "
                    "than 4 of the last 8 weeks. Grow: habitual (active in 4 or more of "
                    "the last 8 weeks) but not Keep. Keep: habitual, promoter (or no NPS "
                    "yet and breadth in the top quintile), monetary at or above the "
                    "threshold."),
    "flow": N_("Each user's stage 30 days before the period's last day against their "
               "stage on it; “none” = in no stage (not active in the 8 weeks)."),
    "churn": N_("Churn rate = users (accounts) active in the previous period of the same "
                "length and not active in this one / users (accounts) active in the "
                "previous period. An explicit churned trait or event overrides."),
    "health": N_("Account health 0–100 = weighted sum over the 30 days ending on the "
                 "period's last day of: recency (0.25), frequency (0.25), breadth of "
                 "adoption (0.20), NPS of its users (0.20), open detractor count (0.10). "
                 "At risk: below 40."),
    "ltv": N_("LTV = monetary per period × expected lifetime, expected lifetime = 1 / "
              "account churn rate of the period."),
}
