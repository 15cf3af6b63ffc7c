CREATE TABLE organization_patterns AS
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

CREATE INDEX idx_organization_patterns_list_rank ON organization_patterns (list_rank);

CREATE INDEX idx_organization_patterns_organization_id ON organization_patterns (organization_id);
