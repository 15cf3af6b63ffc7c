-- Each pledge with its outcome, computed from the events as of package.as_of
-- (README, "Promises and policies").
--   deadline    stated: the row's deadline; none: no deadline; any other
--               reading: made_on moved by the reading's date modifiers
--               (deadline_readings)
--   delivered   each promised component's first release on or after made_on
--               (a coarse date counts when its period reaches made_on);
--               weights: open weights, of the pledged variant when one is
--               named (an event whose variant contains the pledged one); a
--               partial release of that variant counts for it
--   status      kept (everything promised delivered by the deadline, or at
--               any time when there is none), late, partially kept (some of
--               it delivered), cancelled (nothing delivered and a follow-up
--               withdrew it), open-ended (no deadline), pending (deadline
--               after as_of), broken (deadline passed); a policy is judged
--               model by model in policy_outcomes; a follow-up that cancels
--               is a withdrawal; unlinked: the model is not in the data
-- days_waited: for a promise not fully delivered, the days from made_on to as_of.
CREATE TABLE pledge_status AS
WITH delivered AS (
  SELECT
    pt.pledge_id,
    pt.component,
    (SELECT min(e.date) FROM dated_events e
      JOIN event_types t ON t.event_type = e.event_type
      WHERE e.model_id = p.model_id AND e.latest_date >= p.made_on AND t.component = pt.component
        AND (pt.component <> 'weights'
          OR t.weights = 'open' AND (p.variant IS NULL OR instr(e.variant, p.variant) > 0)
          OR t.weights = 'partial' AND instr(e.variant, p.variant) > 0)) AS delivered_on
  FROM pledge_components pt
  JOIN pledges p ON p.pledge_id = pt.pledge_id
),
summary AS (
  SELECT pledge_id, count(*) AS promised, count(delivered_on) AS delivered,
    max(delivered_on) AS last_delivered_on,
    max(CASE WHEN component = 'weights' THEN delivered_on END) AS open_weights_date
  FROM delivered
  GROUP BY pledge_id
),
judged AS (
  SELECT
    p.*,
    s.promised, s.delivered, s.open_weights_date,
    CASE WHEN s.delivered = s.promised THEN s.last_delivered_on END AS delivered_on,
    CASE
      WHEN p.deadline_reading = 'stated' THEN p.deadline
      WHEN r.modifier IS NULL THEN NULL
      WHEN r.then_modifier IS NULL THEN date(p.made_on, r.modifier)
      ELSE date(p.made_on, r.modifier, r.then_modifier)
    END AS due_on,
    EXISTS (SELECT 1 FROM pledges f WHERE f.follows_pledge_id = p.pledge_id
            AND f.follow_up = 'cancels') AS cancelled,
    (SELECT as_of FROM package) AS as_of
  FROM pledges p
  JOIN summary s ON s.pledge_id = p.pledge_id
  JOIN deadline_readings r ON r.deadline_reading = p.deadline_reading
)
SELECT
  j.pledge_id,
  j.kind,
  j.follows_pledge_id,
  j.follow_up,
  j.organization_id,
  j.model_id,
  j.variant,
  m.name AS model_name,
  j.components,
  j.made_on,
  j.made_on_precision,
  j.speaker,
  j.statement,
  j.deadline_words,
  j.deadline_reading,
  j.due_on AS deadline,
  j.open_weights_date,
  j.delivered_on,
  j.delivered || ' of ' || j.promised AS components_delivered,
  CASE
    WHEN j.kind = 'policy' THEN 'policy'
    WHEN j.follow_up = 'cancels' THEN 'withdrawal'
    WHEN j.model_id IS NULL THEN 'unlinked'
    WHEN j.delivered_on IS NOT NULL AND (j.due_on IS NULL OR j.delivered_on <= j.due_on) THEN 'kept'
    WHEN j.delivered_on IS NOT NULL THEN 'late'
    WHEN j.delivered > 0 THEN 'partially kept'
    WHEN j.cancelled THEN 'cancelled'
    WHEN j.due_on IS NULL THEN 'open-ended'
    WHEN j.due_on > j.as_of THEN 'pending'
    ELSE 'broken'
  END AS status,
  CASE
    WHEN j.kind = 'policy' OR j.follow_up = 'cancels' THEN NULL
    WHEN j.delivered_on IS NOT NULL AND j.due_on IS NOT NULL
      THEN CAST(julianday(j.delivered_on) - julianday(j.due_on) AS INTEGER)
    WHEN j.delivered_on IS NULL AND j.due_on <= j.as_of
      THEN CAST(julianday(j.as_of) - julianday(j.due_on) AS INTEGER)
  END AS days_past_deadline,
  CASE WHEN j.delivered_on IS NULL AND j.kind <> 'policy' AND coalesce(j.follow_up, '') <> 'cancels'
    THEN CAST(julianday(j.as_of) - julianday(j.made_on) AS INTEGER)
  END AS days_waited,
  j.source_url,
  j.second_source_url,
  j.notes
FROM judged j
LEFT JOIN models m ON m.model_id = j.model_id
ORDER BY j.pledge_id;

CREATE INDEX idx_pledge_status_organization_id ON pledge_status (organization_id);
CREATE INDEX idx_pledge_status_status ON pledge_status (status);
