CREATE TABLE overdue_models AS
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

CREATE INDEX idx_overdue_models_overdue_rank ON overdue_models (overdue_rank);

CREATE INDEX idx_overdue_models_organization_id ON overdue_models (organization_id);
