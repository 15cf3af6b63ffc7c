-- An organization's own cadence: the median lag of its opened-later models.
CREATE TABLE organization_cadence AS
SELECT
  organization_id,
  count(*) AS opened_later_models,
  median(lag_days) AS median_lag_days
FROM model_lags
WHERE release_pattern = 'opened later'
GROUP BY organization_id;
