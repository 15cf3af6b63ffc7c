-- Events with the last day their date could stand for (a month-precision date
-- of 2024-06-01 stands for any day of June), and whether a coarse date is
-- superseded by a day-precise event inside its span: a paper known only as
-- "July 2024" says nothing earlier than a weights release known to be
-- 2024-07-23, so it must not pull the first public date back to July 1.
-- is_public and weights (open, gated, partial, leaked) come from the
-- event_types table.
CREATE TABLE dated_events AS
WITH spans AS (
  SELECT
    e.model_id, e.date, e.event_type, e.date_precision, e.variant,
    CASE e.date_precision
      WHEN 'day' THEN e.date
      WHEN 'month' THEN date(e.date, '+1 month', '-1 day')
      ELSE date(e.date, '+1 year', '-1 day')
    END AS latest_date,
    t.public AS is_public,
    t.weights
  -- CROSS JOIN keeps events the outer loop: read in table order, each type looked up
  -- in the small vocabulary (through an index on events it would be read at random).
  FROM events e
  CROSS JOIN event_types t ON t.event_type = e.event_type
)
SELECT
  s.*,
  s.date_precision <> 'day' AND s.is_public AND EXISTS (
    SELECT 1 FROM events p
    JOIN event_types t ON t.event_type = p.event_type
    WHERE p.model_id = s.model_id AND p.date_precision = 'day' AND t.public
      AND p.date BETWEEN s.date AND s.latest_date
  ) AS superseded_as_public,
  s.date_precision <> 'day' AND EXISTS (
    SELECT 1 FROM events p
    WHERE p.model_id = s.model_id AND p.date_precision = 'day'
      AND p.event_type = s.event_type
      AND p.date BETWEEN s.date AND s.latest_date
  ) AS superseded_as_type
FROM spans s;

CREATE INDEX idx_dated_events_model_id_date ON dated_events (model_id, date);
