-- One row per model: how open it is, component by component, and its
-- openness class (README, "How open"). The class, first rule that applies:
--   closed                      no weights released (open, gated or partial)
--   gated                       weights only after case-by-case approval
--   partial weights             only a reduced variant's weights
--   open source                 open weights, training code and data information
--                               (data documentation or the training data) released,
--                               the weights and the training code under
--                               OSI-approved licences (the Open Source AI
--                               Definition 1.0's components, under open terms)
--   open weights (OSI licence)  open weights under an OSI-approved licence
--   open weights (restricted)   open weights under any other licence
-- The weights licence is the latest one: the open-weights release's, or a
-- later license_changed event's.
CREATE TABLE model_openness AS
WITH wide AS (
  SELECT
    c.model_id,
    max(CASE WHEN c.component = 'weights' THEN c.status END) AS weights,
    max(CASE WHEN c.component = 'weights' THEN c.released_on END) AS weights_date,
    max(CASE WHEN c.component = 'weights' THEN c.lag_days END) AS weights_lag_days,
    max(CASE WHEN c.component = 'inference_code' THEN c.status END) AS inference_code,
    max(CASE WHEN c.component = 'inference_code' THEN c.released_on END) AS inference_code_date,
    max(CASE WHEN c.component = 'inference_code' THEN c.lag_days END) AS inference_code_lag_days,
    max(CASE WHEN c.component = 'training_code' THEN c.status END) AS training_code,
    max(CASE WHEN c.component = 'training_code' THEN c.released_on END) AS training_code_date,
    max(CASE WHEN c.component = 'training_code' THEN c.lag_days END) AS training_code_lag_days,
    max(CASE WHEN c.component = 'training_data' THEN c.status END) AS training_data,
    max(CASE WHEN c.component = 'training_data' THEN c.released_on END) AS training_data_date,
    max(CASE WHEN c.component = 'training_data' THEN c.lag_days END) AS training_data_lag_days,
    max(CASE WHEN c.component = 'data_documentation' THEN c.status END) AS data_documentation,
    max(CASE WHEN c.component = 'data_documentation' THEN c.released_on END) AS data_documentation_date,
    max(CASE WHEN c.component = 'data_documentation' THEN c.lag_days END) AS data_documentation_lag_days,
    max(CASE WHEN c.component = 'paper' THEN c.status END) AS paper,
    max(CASE WHEN c.component = 'paper' THEN c.released_on END) AS paper_date,
    max(CASE WHEN c.component = 'paper' THEN c.lag_days END) AS paper_lag_days,
    sum(c.status = 'unknown') AS unknown_components
  FROM model_components c
  GROUP BY c.model_id
)
SELECT
  l.model_id,
  l.name,
  l.organization_id,
  l.first_public_date,
  l.first_public_year,
  l.release_pattern,
  CASE
    WHEN l.open_weights_date IS NULL AND l.gated_weights_date IS NULL
      AND l.partial_weights_date IS NULL THEN 'closed'
    WHEN l.open_weights_date IS NULL AND l.partial_weights_date IS NULL THEN 'gated'
    WHEN l.open_weights_date IS NULL THEN 'partial weights'
    WHEN wl.osi_approved AND w.training_code = 'released' AND cl.osi_approved
      AND (w.data_documentation = 'released' OR w.training_data = 'released') THEN 'open source'
    WHEN wl.osi_approved THEN 'open weights (OSI licence)'
    ELSE 'open weights (restricted)'
  END AS openness_class,
  wl.license_id AS weights_license_id,
  coalesce(w.weights, 'not released') AS weights,
  w.weights_date,
  w.weights_lag_days,
  coalesce(w.inference_code, 'unknown') AS inference_code,
  w.inference_code_date,
  w.inference_code_lag_days,
  coalesce(w.training_code, 'unknown') AS training_code,
  w.training_code_date,
  w.training_code_lag_days,
  coalesce(w.training_data, 'unknown') AS training_data,
  w.training_data_date,
  w.training_data_lag_days,
  coalesce(w.data_documentation, 'unknown') AS data_documentation,
  w.data_documentation_date,
  w.data_documentation_lag_days,
  coalesce(w.paper, 'unknown') AS paper,
  w.paper_date,
  w.paper_lag_days,
  coalesce(w.unknown_components, 5) AS unknown_components
FROM model_lags l
LEFT JOIN wide w ON w.model_id = l.model_id
LEFT JOIN licenses wl ON wl.license_id = (
  SELECT e.license_id FROM events e JOIN event_types t ON t.event_type = e.event_type
  WHERE e.model_id = l.model_id AND (t.weights = 'open' OR e.event_type = 'license_changed')
  ORDER BY e.date DESC, e.event_type DESC LIMIT 1)
LEFT JOIN licenses cl ON cl.license_id = (
  SELECT e.license_id FROM events e JOIN event_types t ON t.event_type = e.event_type
  WHERE e.model_id = l.model_id AND t.component = 'training_code'
  ORDER BY e.date DESC LIMIT 1)
ORDER BY l.model_id;

CREATE INDEX idx_model_openness_organization_id ON model_openness (organization_id);
CREATE INDEX idx_model_openness_openness_class ON model_openness (openness_class);
