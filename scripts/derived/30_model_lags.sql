CREATE TABLE model_lags AS
WITH d AS (
  SELECT
    md.*,
    (SELECT e.event_type FROM dated_events e
      WHERE e.model_id = md.model_id AND e.date = md.first_public_date
        AND e.is_public AND NOT e.superseded_as_public
      ORDER BY CASE e.date_precision WHEN 'day' THEN 0 WHEN 'month' THEN 1 ELSE 2 END, e.event_type
      LIMIT 1) AS first_public_event,
    (SELECT max(CASE e.date_precision WHEN 'day' THEN 0 WHEN 'month' THEN 1 ELSE 2 END)
      FROM dated_events e
      WHERE e.model_id = md.model_id
        AND ((e.date = md.first_public_date AND e.is_public AND NOT e.superseded_as_public)
          OR (e.date = md.open_weights_date AND e.weights = 'open'
            AND NOT e.superseded_as_type))) AS precision_rank,
    (SELECT e.license_id FROM events e
      WHERE e.model_id = md.model_id AND e.event_type = 'weights_open'
        AND e.date = md.open_weights_date
      ORDER BY e.variant LIMIT 1) AS open_weights_license_id,
    CAST(julianday(md.open_weights_date) - julianday(md.first_public_date) AS INTEGER) AS lag_days
  FROM model_dates md
),
lags AS (
SELECT
  m.model_id,
  m.name,
  m.organization_id,
  o.name AS organization,
  m.family,
  m.modality,
  m.parameters_billions,
  d.first_public_date,
  d.first_public_event,
  d.open_weights_date,
  d.open_weights_license_id,
  -- A month- or year-precision weights date stored as the 1st can fall before a
  -- day-precise first release in the same period; the lag is then 0, not negative.
  CASE WHEN d.lag_days < 0 AND d.precision_rank > 0 THEN 0 ELSE d.lag_days END AS lag_days,
  CASE d.precision_rank WHEN 0 THEN 'day' WHEN 1 THEN 'month' WHEN 2 THEN 'year' END
    AS lag_precision,
  CASE
    WHEN d.open_weights_date IS NOT NULL AND d.lag_days <= 7 THEN 'open at launch'
    WHEN d.open_weights_date IS NOT NULL THEN 'opened later'
    WHEN d.gated_weights_date IS NOT NULL THEN 'gated only'
    WHEN d.partial_weights_date IS NOT NULL THEN 'partial only'
    WHEN d.leaked_weights_date IS NOT NULL THEN 'leaked only'
    ELSE 'closed'
  END AS release_pattern,
  d.gated_weights_date,
  d.partial_weights_date,
  d.leaked_weights_date,
  d.retired_date,
  CASE WHEN d.open_weights_date IS NULL
    THEN CAST(julianday((SELECT as_of FROM package)) - julianday(d.first_public_date) AS INTEGER)
  END AS days_without_open_weights,
  CAST(strftime('%Y', d.first_public_date) AS INTEGER) AS first_public_year,
  d.events
FROM models m
JOIN organizations o ON o.organization_id = m.organization_id
JOIN d ON d.model_id = m.model_id
)
-- lag_rank and closed_rank are filled below, once the table exists.
SELECT lags.*, NULL AS lag_rank, NULL AS closed_rank
FROM lags
ORDER BY model_id;

CREATE UNIQUE INDEX idx_model_lags_model_id ON model_lags (model_id);

-- Places in the two ranked lists the site charts (release_lags and
-- still_closed), so a request reads rows in order instead of sorting them.
-- Ranked from the table's own narrow columns: a window over the wide rows
-- would hold them all in its sorter.
UPDATE model_lags SET lag_rank = r.place FROM (
  SELECT model_id,
    row_number() OVER (ORDER BY lag_days DESC, first_public_date, model_id) AS place
  FROM model_lags WHERE open_weights_date IS NOT NULL
) r WHERE r.model_id = model_lags.model_id;

UPDATE model_lags SET closed_rank = r.place FROM (
  SELECT model_id, row_number() OVER (ORDER BY days_without_open_weights DESC, model_id) AS place
  FROM model_lags WHERE open_weights_date IS NULL
) r WHERE r.model_id = model_lags.model_id;

CREATE INDEX idx_model_lags_organization_id ON model_lags (organization_id);

CREATE INDEX idx_model_lags_release_pattern ON model_lags (release_pattern);

CREATE INDEX idx_model_lags_first_public_year ON model_lags (first_public_year);

CREATE INDEX idx_model_lags_lag_rank ON model_lags (lag_rank);

CREATE INDEX idx_model_lags_closed_rank ON model_lags (closed_rank);
