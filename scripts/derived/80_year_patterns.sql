CREATE TABLE year_patterns AS
WITH medians AS (
  SELECT first_public_year, median(lag_days) AS median_lag_days
  FROM model_lags
  WHERE release_pattern = 'opened later'
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

CREATE INDEX idx_year_patterns_year ON year_patterns (year);
