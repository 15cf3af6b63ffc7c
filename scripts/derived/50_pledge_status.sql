CREATE TABLE pledge_status AS
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
-- canned query only filters stored rows and reads them in a stored order.;
