-- Every component of every model, one row each (README, "How open"):
--   released      an event releases it (event_types.component); its first
--                 release gives the date, licence and source
--   not released  no release event, and a check (component_checks) found it
--                 not offered on the page where it would be
--   unknown       neither: not yet checked, or checked and unsettled
-- Weights count as released when open, gated or partial weights came out; a
-- model with none is "not released" under the dataset's rule that its weights
-- events are complete as of as_of (the rule behind the release pattern "closed").
-- lag_days: the release date minus the model's first public date.
-- Rows exist for every model with a component release or check; for any other
-- model model_openness reads weights as not released and the rest as unknown.
-- The first release of each component of each model (a scratch table of the build).
CREATE TEMP TABLE first_releases AS
SELECT model_id, component, date, date_precision, license_id, source_url
FROM (
  SELECT e.model_id, t.component, e.date, e.date_precision, e.license_id, e.source_url,
    row_number() OVER (PARTITION BY e.model_id, t.component
                       ORDER BY e.date, e.event_type, e.variant) AS n
  FROM events e
  JOIN event_types t ON t.event_type = e.event_type
  WHERE t.component IS NOT NULL
)
WHERE n = 1;

CREATE INDEX temp.idx_first_releases ON first_releases (model_id, component);

CREATE TABLE model_components AS
SELECT
  m.model_id,
  m.organization_id,
  c.component,
  CASE
    WHEN r.model_id IS NOT NULL THEN 'released'
    WHEN k.status IS NOT NULL THEN k.status
    WHEN c.component = 'weights' THEN 'not released'
    ELSE 'unknown'
  END AS status,
  r.date AS released_on,
  r.date_precision,
  r.license_id,
  CAST(julianday(r.date) - julianday(l.first_public_date) AS INTEGER) AS lag_days,
  k.checked_on,
  coalesce(r.source_url, k.source_url) AS source_url,
  coalesce(k.notes, CASE WHEN r.model_id IS NULL AND c.component = 'weights' THEN
    'No release of weights recorded as of the package as_of date: not released under the rule '
    || 'behind the release pattern closed; no page checked for it yet.' END) AS check_notes
FROM models m
JOIN model_lags l ON l.model_id = m.model_id
CROSS JOIN components c
LEFT JOIN first_releases r ON r.model_id = m.model_id AND r.component = c.component
LEFT JOIN component_checks k ON k.model_id = m.model_id AND k.component = c.component
WHERE m.model_id IN (SELECT model_id FROM first_releases UNION SELECT model_id FROM component_checks)
ORDER BY m.model_id, c.component;

CREATE INDEX idx_model_components_model_id ON model_components (model_id);
CREATE INDEX idx_model_components_component_status ON model_components (component, status);

DROP TABLE first_releases;
