-- housekeeping only: the down is intentionally empty
SELECT 1;
