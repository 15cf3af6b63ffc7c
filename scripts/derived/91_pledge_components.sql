-- Each component a pledge promises, one row each: pledges.components split at ';'.
CREATE TABLE pledge_components AS
WITH RECURSIVE parts(pledge_id, rest, component) AS (
  SELECT pledge_id, components || ';', NULL FROM pledges
  UNION ALL
  SELECT pledge_id, substr(rest, instr(rest, ';') + 1), substr(rest, 1, instr(rest, ';') - 1)
  FROM parts WHERE rest <> ''
)
SELECT pledge_id, component FROM parts WHERE component IS NOT NULL ORDER BY pledge_id, component;

CREATE INDEX idx_pledge_components_pledge_id ON pledge_components (pledge_id);
