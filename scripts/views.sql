-- Derived figures of the dataset, computed from the tables by SQL views.
-- Definitions (README, "Definitions"):
--   first public date  earliest announced, paper, api, product or weights event
--   open-weights date  earliest weights_open event
--   lag                open-weights date minus first public date, in days
--   release pattern    open at launch (lag <= 7 days), opened later, gated only,
--                      partial only, leaked only, closed (no weights as of as_of)
-- Every "as of" figure uses package.as_of, never the clock.

-- Events with the last day their date could stand for (a month-precision date
-- of 2024-06-01 stands for any day of June), and whether a coarse date is
-- superseded by a day-precise event of the same kind inside its span: a paper
-- known only as "July 2024" says nothing earlier than a weights release known
-- to be 2024-07-23, so it must not pull the first public date back to July 1.
CREATE VIEW dated_events AS
WITH spans AS (
  SELECT
    e.model_id, e.date, e.event_type, e.date_precision, e.variant,
    CASE e.date_precision
      WHEN 'day' THEN e.date
      WHEN 'month' THEN date(e.date, '+1 month', '-1 day')
      ELSE date(e.date, '+1 year', '-1 day')
    END AS latest_date,
    e.event_type IN ('announced', 'paper', 'api', 'product', 'weights_partial',
      'weights_gated', 'weights_open', 'weights_leaked') AS is_public
  FROM events e
)
SELECT
  s.*,
  s.date_precision <> 'day' AND s.is_public AND EXISTS (
    SELECT 1 FROM events p
    WHERE p.model_id = s.model_id AND p.date_precision = 'day'
      AND p.event_type IN ('announced', 'paper', 'api', 'product', 'weights_partial',
        'weights_gated', 'weights_open', 'weights_leaked')
      AND p.date BETWEEN s.date AND s.latest_date
  ) AS superseded_as_public,
  s.date_precision <> 'day' AND EXISTS (
    SELECT 1 FROM events p
    WHERE p.model_id = s.model_id AND p.date_precision = 'day'
      AND p.event_type = s.event_type
      AND p.date BETWEEN s.date AND s.latest_date
  ) AS superseded_as_type
FROM spans s;

CREATE VIEW model_dates AS
SELECT
  m.model_id,
  min(CASE WHEN e.is_public AND NOT e.superseded_as_public THEN e.date END) AS first_public_date,
  min(CASE WHEN e.event_type = 'weights_open' AND NOT e.superseded_as_type THEN e.date END)
    AS open_weights_date,
  min(CASE WHEN e.event_type = 'weights_gated' THEN e.date END) AS gated_weights_date,
  min(CASE WHEN e.event_type = 'weights_partial' THEN e.date END) AS partial_weights_date,
  min(CASE WHEN e.event_type = 'weights_leaked' THEN e.date END) AS leaked_weights_date,
  max(CASE WHEN e.event_type = 'retired' THEN e.date END) AS retired_date,
  count(e.model_id) AS events
FROM models m
LEFT JOIN dated_events e ON e.model_id = m.model_id
GROUP BY m.model_id;

CREATE VIEW model_lags AS
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
          OR (e.date = md.open_weights_date AND e.event_type = 'weights_open'
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
SELECT
  lags.*,
  -- Places in the two ranked lists the site charts (release_lags and
  -- still_closed), so a request reads rows in order instead of sorting them.
  CASE WHEN open_weights_date IS NOT NULL THEN row_number() OVER (
    PARTITION BY open_weights_date IS NULL
    ORDER BY lag_days DESC, first_public_date, model_id) END AS lag_rank,
  CASE WHEN open_weights_date IS NULL THEN row_number() OVER (
    PARTITION BY open_weights_date IS NULL
    ORDER BY days_without_open_weights DESC, model_id) END AS closed_rank
FROM lags
ORDER BY model_id;

-- An organization's own cadence: the median lag of its opened-later models.
CREATE VIEW organization_cadence AS
WITH ranked AS (
  SELECT
    organization_id,
    lag_days,
    row_number() OVER (PARTITION BY organization_id ORDER BY lag_days) AS rn,
    count(*) OVER (PARTITION BY organization_id) AS n
  FROM model_lags
  WHERE release_pattern = 'opened later'
)
SELECT
  organization_id,
  max(n) AS opened_later_models,
  avg(lag_days) AS median_lag_days
FROM ranked
WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
GROUP BY organization_id;

-- Pledge outcomes, from the first open-weights release on or after the pledge.
-- kept: open weights on or before the deadline (or, with no
-- deadline, at any time after the pledge); late: open weights after the
-- deadline; pending: no open weights yet, deadline after as_of; broken: no
-- open weights and the deadline has passed; open-ended: no open weights and
-- no deadline; unlinked: the pledge names no model in the data.
CREATE VIEW pledge_status AS
WITH fulfilled AS (
  -- The first open-weights release of the pledged model (or of the pledged
  -- variant, when the pledge names one) on or after the pledge.
  SELECT
    p.*,
    (SELECT min(e.date) FROM events e
      WHERE e.model_id = p.model_id AND e.date >= p.made_on
        AND (e.event_type = 'weights_open' AND (p.variant IS NULL OR e.variant = p.variant)
          -- weights of only the pledged variant are "partial" for the model, complete for the pledge
          OR e.event_type = 'weights_partial' AND e.variant = p.variant)) AS open_weights_date
  FROM pledges p
)
SELECT
  p.pledge_id,
  p.organization_id,
  p.model_id,
  p.variant,
  m.name AS model_name,
  p.made_on,
  p.speaker,
  p.statement,
  p.deadline,
  p.deadline_basis,
  p.open_weights_date,
  CASE
    WHEN p.model_id IS NULL THEN 'unlinked'
    WHEN p.open_weights_date IS NOT NULL AND p.deadline IS NULL THEN 'kept'
    WHEN p.open_weights_date IS NOT NULL AND p.open_weights_date <= p.deadline THEN 'kept'
    WHEN p.open_weights_date IS NOT NULL THEN 'late'
    WHEN p.deadline IS NULL THEN 'open-ended'
    WHEN p.deadline > (SELECT as_of FROM package) THEN 'pending'
    ELSE 'broken'
  END AS status,
  CASE
    WHEN p.open_weights_date IS NOT NULL AND p.deadline IS NOT NULL
      THEN CAST(julianday(p.open_weights_date) - julianday(p.deadline) AS INTEGER)
    WHEN p.open_weights_date IS NULL AND p.deadline IS NOT NULL
      AND p.deadline <= (SELECT as_of FROM package)
      THEN CAST(julianday((SELECT as_of FROM package)) - julianday(p.deadline) AS INTEGER)
  END AS days_past_deadline,
  p.source_url,
  p.notes
FROM fulfilled p
LEFT JOIN models m ON m.model_id = p.model_id;

-- The rest are the site's ranked and grouped lists, computed once here so a
-- canned query only filters stored rows and reads them in a stored order.

-- Per organization and release pattern, the number of models, with the
-- organization's total and its typical (median) and longest lag among models
-- opened later; list_rank is the order the scorecard lists them in.
CREATE VIEW organization_patterns AS
WITH totals AS (
  SELECT organization_id, count(*) AS total_models,
    max(CASE WHEN release_pattern = 'opened later' THEN lag_days END) AS longest_lag_days
  FROM model_lags
  GROUP BY organization_id
),
counts AS (
  SELECT organization_id, organization, release_pattern, count(*) AS models
  FROM model_lags
  GROUP BY organization_id, release_pattern
)
SELECT
  row_number() OVER (
    ORDER BY t.total_models DESC, n.organization_id, n.release_pattern) AS list_rank,
  n.organization_id,
  n.organization,
  n.release_pattern,
  n.models,
  t.total_models,
  c.median_lag_days AS typical_lag_days,
  t.longest_lag_days
FROM counts n
JOIN totals t ON t.organization_id = n.organization_id
LEFT JOIN organization_cadence c ON c.organization_id = n.organization_id
ORDER BY list_rank;

-- Models without open weights whose time since first release already exceeds
-- the median lag of their organization's models opened later; overdue_rank
-- orders them most overdue first.
CREATE VIEW overdue_models AS
WITH overdue AS (
  SELECT
    ml.model_id,
    ml.name,
    ml.organization_id,
    ml.first_public_date,
    c.median_lag_days AS typical_lag_days,
    date(ml.first_public_date, '+' || CAST(round(c.median_lag_days) AS INTEGER) || ' days')
      AS due_by_cadence,
    ml.days_without_open_weights,
    CAST(ml.days_without_open_weights - c.median_lag_days AS INTEGER) AS days_overdue,
    ml.release_pattern,
    ml.retired_date
  FROM model_lags ml
  JOIN organization_cadence c ON c.organization_id = ml.organization_id
  WHERE ml.open_weights_date IS NULL
    AND ml.days_without_open_weights > c.median_lag_days
)
SELECT
  row_number() OVER (ORDER BY days_overdue DESC, model_id) AS overdue_rank,
  model_id, name, organization_id, first_public_date, typical_lag_days, due_by_cadence,
  days_without_open_weights, days_overdue, release_pattern, retired_date
FROM overdue
ORDER BY overdue_rank;

-- Per year of first release, the number of models of each release pattern and
-- the median lag of those opened later.
CREATE VIEW year_patterns AS
WITH ranked AS (
  SELECT first_public_year, lag_days,
    row_number() OVER (PARTITION BY first_public_year ORDER BY lag_days) AS rn,
    count(*) OVER (PARTITION BY first_public_year) AS n
  FROM model_lags
  WHERE release_pattern = 'opened later'
),
medians AS (
  SELECT first_public_year, avg(lag_days) AS median_lag_days
  FROM ranked
  WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
  GROUP BY first_public_year
)
SELECT
  ml.first_public_year AS year,
  count(*) AS models,
  sum(ml.release_pattern = 'open at launch') AS open_at_launch,
  sum(ml.release_pattern = 'opened later') AS opened_later,
  sum(ml.release_pattern = 'gated only') AS gated_only,
  sum(ml.release_pattern IN ('partial only', 'leaked only')) AS partial_or_leaked,
  sum(ml.release_pattern = 'closed') AS closed,
  m.median_lag_days
FROM model_lags ml
LEFT JOIN medians m ON m.first_public_year = ml.first_public_year
GROUP BY ml.first_public_year
ORDER BY year;
