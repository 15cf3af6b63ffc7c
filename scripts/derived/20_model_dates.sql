-- The dates each model's figures rest on (README, "Definitions"):
--   first public date  earliest event of a public type (event_types.public),
--                      a coarse date superseded by a day-precise one ignored
--   open-weights date  earliest release of open weights (event_types.weights)
-- Every "as of" figure uses package.as_of, never the clock.
CREATE TABLE model_dates AS
SELECT
  m.model_id,
  min(CASE WHEN e.is_public AND NOT e.superseded_as_public THEN e.date END) AS first_public_date,
  min(CASE WHEN e.weights = 'open' AND NOT e.superseded_as_type THEN e.date END)
    AS open_weights_date,
  min(CASE WHEN e.weights = 'gated' THEN e.date END) AS gated_weights_date,
  min(CASE WHEN e.weights = 'partial' THEN e.date END) AS partial_weights_date,
  min(CASE WHEN e.weights = 'leaked' THEN e.date END) AS leaked_weights_date,
  max(CASE WHEN e.event_type = 'retired' THEN e.date END) AS retired_date,
  count(e.model_id) AS events
FROM models m
LEFT JOIN dated_events e ON e.model_id = m.model_id
GROUP BY m.model_id;
