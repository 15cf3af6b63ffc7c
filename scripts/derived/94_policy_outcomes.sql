-- Each model a standing policy covers (policy_models), with the date by which
-- the policy says it should have been opened and what happened
-- (README, "Promises and policies"):
--   due_on   open-at-launch: first public date + 7 days (the release pattern's
--            "open at launch"); within-days: first public date + policy_days;
--            previous-on-successor: the successor's first public date; other:
--            not judged by date
--   opened   the day the last promised component was released (weights: the
--            open-weights date)
--   outcome  kept (opened by due_on), late (opened after it), overdue (not
--            opened, due_on before as_of), not yet due (due_on after as_of, or
--            no successor yet), not judged (rule other)
--   days     late: opened minus due_on; overdue: as_of minus due_on
CREATE TABLE policy_outcomes AS
WITH opened AS (
  SELECT c.pledge_id, c.model_id,
    CASE WHEN count(*) = count(CASE WHEN pt.component = 'weights' THEN l.open_weights_date
                                    ELSE mc.released_on END)
      THEN max(CASE WHEN pt.component = 'weights' THEN l.open_weights_date ELSE mc.released_on END)
    END AS opened_on
  FROM policy_models c
  JOIN pledge_components pt ON pt.pledge_id = c.pledge_id
  JOIN model_lags l ON l.model_id = c.model_id
  LEFT JOIN model_components mc ON mc.model_id = c.model_id AND mc.component = pt.component
    AND mc.status = 'released'
  GROUP BY c.pledge_id, c.model_id
),
due AS (
  SELECT c.pledge_id, p.organization_id, p.policy_rule, c.model_id, l.name, l.first_public_date,
    c.successor_model_id, s.first_public_date AS successor_first_public_date,
    CASE p.policy_rule
      WHEN 'open-at-launch' THEN date(l.first_public_date, '+7 days')
      WHEN 'within-days' THEN date(l.first_public_date, '+' || p.policy_days || ' days')
      WHEN 'previous-on-successor' THEN s.first_public_date
    END AS due_on,
    o.opened_on,
    (SELECT as_of FROM package) AS as_of,
    c.notes
  FROM policy_models c
  JOIN pledges p ON p.pledge_id = c.pledge_id
  JOIN model_lags l ON l.model_id = c.model_id
  LEFT JOIN model_lags s ON s.model_id = c.successor_model_id
  JOIN opened o ON o.pledge_id = c.pledge_id AND o.model_id = c.model_id
)
SELECT
  pledge_id, organization_id, policy_rule, model_id, name, first_public_date,
  successor_model_id, successor_first_public_date, due_on, opened_on,
  CASE
    WHEN policy_rule = 'other' THEN 'not judged'
    WHEN opened_on IS NOT NULL AND due_on IS NOT NULL AND opened_on <= due_on THEN 'kept'
    WHEN opened_on IS NOT NULL AND due_on IS NOT NULL THEN 'late'
    WHEN due_on IS NULL OR due_on > as_of THEN 'not yet due'
    ELSE 'overdue'
  END AS outcome,
  CASE
    WHEN policy_rule = 'other' OR due_on IS NULL THEN NULL
    WHEN opened_on IS NOT NULL AND opened_on > due_on
      THEN CAST(julianday(opened_on) - julianday(due_on) AS INTEGER)
    WHEN opened_on IS NULL AND due_on <= as_of
      THEN CAST(julianday(as_of) - julianday(due_on) AS INTEGER)
  END AS days,
  notes
FROM due
ORDER BY pledge_id, first_public_date, model_id;

CREATE INDEX idx_policy_outcomes_organization_id ON policy_outcomes (organization_id);
